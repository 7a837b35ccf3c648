using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace StreamRisk.Kafka;

/// <summary>
/// Traces across Kafka, named and tagged after OpenTelemetry's messaging conventions: a producer span
/// <c>send {topic}</c> per produced message, ended by its delivery report, whose W3C context travels in the message's
/// <c>traceparent</c> (and <c>tracestate</c>) headers; and the consumer's reading of those headers.
/// </summary>
/// <remarks>
/// Nothing happens unless something listens to the source: with no listener a send starts no span and adds no header,
/// so the per-message cost is one check. Listened to, the span and its headers are the sampler's business
/// (<c>OTEL_TRACES_SAMPLER</c> bounds the volume). The propagator is the runtime's W3C one rather than OpenTelemetry's:
/// it works on <see cref="Activity"/> directly, keeps this library free of the OpenTelemetry packages, and is W3C
/// whatever a process sets <see cref="DistributedContextPropagator.Current"/> to — the header is a wire contract.
/// </remarks>
public static class KafkaTracing
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    private static readonly DistributedContextPropagator W3C = DistributedContextPropagator.CreateW3CPropagator();

    /// <summary>
    /// Starts the producer span of one message to <paramref name="topic"/> (a child of the current activity, if any)
    /// and writes its context into <paramref name="headers"/>; null, and no header, when nothing listens or the
    /// sampler drops it. The span stays open until <see cref="Delivered"/> (or <see cref="Abandon"/>), but is no longer
    /// the thread's current activity when this returns: the caller's own context is restored.
    /// </summary>
    /// <param name="spanName"><c>send {topic}</c>, built once by the caller (not per message).</param>
    /// <param name="symbolKey">The message key, only where it is a symbol (UTF-8): never an account.</param>
    public static Activity? StartSend(ActivitySource? source, string spanName, string topic, Headers headers, byte[]? symbolKey = null, int partition = -1)
    {
        if (source is null || !source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = source.StartActivity(spanName, ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        Activity.Current = previous;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.destination.name", topic);
            if (symbolKey is not null)
            {
                activity.SetTag("messaging.kafka.message.key", Encoding.UTF8.GetString(symbolKey));
            }

            if (partition >= 0)
            {
                activity.SetTag("messaging.destination.partition.id", partition.ToString(CultureInfo.InvariantCulture));
            }
        }

        W3C.Inject(activity, headers, static (carrier, name, value) =>
        {
            if (carrier is Headers target && value is not null)
            {
                target.Add(name, Encoding.ASCII.GetBytes(value));
            }
        });
        return activity;
    }

    /// <summary>Ends a producer span with where the broker wrote the message, or with the error it gave.</summary>
    public static void Delivered(Activity activity, Error error, TopicPartitionOffset written)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(written);
        if (error.IsError)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Reason);
            activity.SetTag("error.type", error.Code.ToString());
        }
        else if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.destination.partition.id", written.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", written.Offset.Value);
        }

        // Stopping sets the stopping thread's current activity (here the client's delivery thread): keep it as it was.
        var current = Activity.Current;
        activity.Stop();
        Activity.Current = current;
    }

    /// <summary>Ends a producer span whose message never reached the producer's queue.</summary>
    public static void Abandon(Activity? activity, Error error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, error.Reason);
        activity.SetTag("error.type", error.Code.ToString());
        activity.Stop();
    }

    /// <summary>The remote context a message carries in its W3C headers (a <c>tracestate</c> included), if any.</summary>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is not { Count: > 0 })
        {
            return false;
        }

        W3C.ExtractTraceIdAndState(headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is Headers source && source.TryGetLastBytes(name, out var bytes) ? Encoding.ASCII.GetString(bytes) : null;
        }, out var traceParent, out var traceState);
        return traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context);
    }
}
