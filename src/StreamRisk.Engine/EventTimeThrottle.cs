using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace StreamRisk.Engine;

/// <summary>Rx operators of the projection pipeline.</summary>
public static class EventTimeThrottle
{
    /// <summary>
    /// At most one item per <paramref name="interval"/> of scheduler time: the first item after a quiet interval passes
    /// at once; items inside the interval are held and the latest one is emitted when the interval ends (so the final
    /// state is always projected); an urgent item passes at once and restarts the interval. On a virtual-time scheduler
    /// advanced by event time this is deterministic: replay at any speed emits exactly what the live run emitted.
    /// </summary>
    /// <remarks>Not thread-safe by design: the source and the scheduler's timers run on the one engine thread.</remarks>
    public static IObservable<T> ThrottleLatest<T>(this IObservable<T> source, TimeSpan interval, Func<T, bool> urgent, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(urgent);
        ArgumentNullException.ThrowIfNull(scheduler);
        return Observable.Create<T>(observer =>
        {
            var timer = new SerialDisposable();
            var lastEmit = DateTimeOffset.MinValue;
            var hasPending = false;
            T pending = default!;

            void Emit(T item)
            {
                lastEmit = scheduler.Now;
                hasPending = false;
                pending = default!;
                observer.OnNext(item);
            }

            var subscription = source.Subscribe(
                item =>
                {
                    var now = scheduler.Now;
                    if (urgent(item) || now - lastEmit >= interval)
                    {
                        timer.Disposable = Disposable.Empty;
                        Emit(item);
                        return;
                    }

                    pending = item;
                    if (!hasPending)
                    {
                        hasPending = true;
                        timer.Disposable = scheduler.Schedule(lastEmit + interval, () =>
                        {
                            if (hasPending)
                            {
                                Emit(pending);
                            }
                        });
                    }
                },
                observer.OnError,
                () =>
                {
                    if (hasPending)
                    {
                        Emit(pending);
                    }

                    observer.OnCompleted();
                });
            return new CompositeDisposable(subscription, timer);
        });
    }
}
