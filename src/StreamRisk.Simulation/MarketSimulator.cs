using StreamRisk.Domain.Books;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Simulation;

/// <summary>
/// A deterministic market: books, marks, a leveraged population (<see cref="SyntheticPopulation"/>), shocks and the
/// liquidations they set off. Feeds the <c>demo</c>. The same options always give the identical event sequence
/// (everything is drawn from one <see cref="Random"/>(seed) in a fixed order; doubles are bit-identical on the same
/// runtime and platform).
/// </summary>
/// <remarks>
/// <para>A run yields, in non-decreasing event time: every <see cref="SimInstrument"/>; one <see cref="SimBook"/>
/// snapshot per symbol; one <see cref="SimMark"/> per symbol; every account's <see cref="SimAccount"/> snapshot (all at
/// the start time, equal to <see cref="SyntheticPopulation.Generate"/> with the same seed, account count, instruments
/// and prices). Each book follows the shared depth model (<see cref="DepthModel"/>), sized at the population's open
/// interest / <see cref="SimulatorOptions.OpenInterestToDepth"/> a side within 1 %. Then per step, at start + k × step: per symbol a delta for the book following the mark (and liquidity
/// withdrawal or replenishment) and a delta of random changes near the touch; one mark per symbol; the liquidations
/// (every <see cref="SimLiquidation"/> of an account, at the mark, then its closing <see cref="SimPosition"/>s); per
/// symbol a delta for the liquidations' fills; the positions opened.</para>
/// <para>Mark: log mark = geometric random walk + a shock component, driven by one market factor: the first symbol
/// (the reference) walks by the factor's step (<see cref="SimulatorOptions.VolatilityPerSecond"/>), every other symbol
/// by its <see cref="SimulatedSymbol.Beta"/> × that step plus its own noise
/// (<see cref="SimulatorOptions.IdiosyncraticVolatilityPerSecond"/>). From <see cref="SimulatorOptions.FirstShockAfter"/>,
/// every <see cref="SimulatorOptions.ShockEvery"/> a shock moves the reference by <see cref="SimulatorOptions.ShockSize"/>
/// × U(1 ± noise) and every other symbol by its beta × that (in log terms, × U(1 ± <see cref="SimulatorOptions.ShockDispersion"/>)),
/// all the same way, over a few steps (down with probability <see cref="SimulatorOptions.ShockDownShare"/>): a crash
/// hits every book at once, the alts harder. <see cref="SimulatorOptions.ShockRetainedShare"/> of the move stays; the
/// rest (and the liquidations' impact) decays with <see cref="SimulatorOptions.ShockRecoveryHalfLife"/>. While a shock moves the mark the levels within
/// <see cref="SimulatorOptions.WithdrawalBand"/> keep <see cref="SimulatorOptions.WithdrawnLiquidity"/> of their size,
/// refilled over <see cref="SimulatorOptions.ReplenishSteps"/>; between shocks the book keeps its shape (calm).
/// Liquidations are filled against the book and pull the next mark part of the way to the last level touched.</para>
/// <para>Liquidation: a position is liquidated when the mark crosses its liquidation price, computed by
/// <see cref="MarginCalculator"/> under <see cref="SimulatorOptions.Profile"/> at the current marks. A cross account
/// is liquidated whole: once one LP is crossed the pool is under MM, so every LP of it is crossed (or does not exist:
/// a short in a pool under MM at any price of it). An isolated position goes alone. LPs are cached: under the Binance
/// profile an isolated position's and a one-position cross account's LP do not move with the mark, so they are
/// computed once per change; only cross portfolios (<see cref="SimulatorOptions.PortfolioShare"/>, a third of the
/// accounts by default) are recomputed each step. Profiles that pick the tier at the mark (OKX, dYdX) recompute every
/// account each step. A 60 s run at 20k accounts takes about half a second.</para>
/// <para>Propagation: a portfolio liquidated on one symbol's move sends all its legs into their books; the fills move
/// those marks (<see cref="SimulatorOptions.LiquidationImpact"/>), which liquidates accounts holding only those
/// symbols.</para>
/// <para>Renewal: <see cref="SimulatorOptions.OpensPerSecond"/> opens per second (Poisson), each on a random account:
/// an isolated account with a free symbol opens one position (<see cref="SimPosition"/>, at most two), one with none
/// closes its oldest position instead (size 0, off the book); a flat cross account reopens as what it was
/// (single-symbol or portfolio) with a new <see cref="SimAccount"/> snapshot (a fresh deposit); a cross account with
/// positions is skipped (up to four tries). A liquidated cross account keeps its last published balance until it reopens.</para>
/// <para>One run is one enumeration: <see cref="Run"/> may be called again (and concurrently) for an identical run.</para>
/// </remarks>
public sealed class MarketSimulator
{
    private readonly SimulatorOptions _options;

    public MarketSimulator(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
    }

    /// <summary>The events of <paramref name="duration"/> of market from <paramref name="startTime"/> (Unix ms), lazily.</summary>
    public IEnumerable<SimEvent> Run(long startTime, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new Simulation(_options, startTime, duration).Events();
    }

    private static void Validate(SimulatorOptions o)
    {
        Require(o.Accounts >= 0, nameof(o.Accounts), "must be >= 0");
        Require(o.Step >= TimeSpan.FromMilliseconds(1) && o.Step.Ticks % TimeSpan.TicksPerMillisecond == 0, nameof(o.Step), "must be a whole number of milliseconds >= 1 ms");
        Require(o.ShockEvery >= TimeSpan.Zero, nameof(o.ShockEvery), "must be >= 0 (0 disables shocks)");
        Require(o.FirstShockAfter is null || o.FirstShockAfter >= TimeSpan.Zero, nameof(o.FirstShockAfter), "must be >= 0");
        Require(o.PastLookback >= TimeSpan.Zero && o.PastLookback <= TimeSpan.FromDays(365), nameof(o.PastLookback), "must be in [0, 365 days]");
        Require(o.OpenInterestToDepth > 0 && double.IsFinite(o.OpenInterestToDepth), nameof(o.OpenInterestToDepth), "must be > 0");
        Require(o.ShockSize is >= 0 and < 1, nameof(o.ShockSize), "must be in [0, 1)");
        Require(o.ShockNoise is >= 0 and <= 1, nameof(o.ShockNoise), "must be in [0, 1]");
        Require(o.ShockDispersion is >= 0 and <= 1, nameof(o.ShockDispersion), "must be in [0, 1]");
        Require(o.ShockDownShare is >= 0 and <= 1, nameof(o.ShockDownShare), "must be in [0, 1]");
        Require(o.ShockRetainedShare is >= 0 and <= 1, nameof(o.ShockRetainedShare), "must be in [0, 1]");
        Require(o.ShockSteps >= 1, nameof(o.ShockSteps), "must be >= 1");
        Require(o.ShockRecoveryHalfLife > TimeSpan.Zero, nameof(o.ShockRecoveryHalfLife), "must be > 0");
        Require(o.WithdrawnLiquidity is > 0 and <= 1, nameof(o.WithdrawnLiquidity), "must be in (0, 1]");
        Require(o.WithdrawalBand >= 0 && double.IsFinite(o.WithdrawalBand), nameof(o.WithdrawalBand), "must be >= 0");
        Require(o.ReplenishSteps >= 0, nameof(o.ReplenishSteps), "must be >= 0");
        Require(o.VolatilityPerSecond >= 0 && double.IsFinite(o.VolatilityPerSecond), nameof(o.VolatilityPerSecond), "must be >= 0");
        Require(o.IdiosyncraticVolatilityPerSecond >= 0 && double.IsFinite(o.IdiosyncraticVolatilityPerSecond), nameof(o.IdiosyncraticVolatilityPerSecond), "must be >= 0");
        Require(o.PortfolioShare is >= 0 and <= 1, nameof(o.PortfolioShare), "must be in [0, 1]");
        Require(o.PortfolioThreeLegShare is >= 0 and <= 1, nameof(o.PortfolioThreeLegShare), "must be in [0, 1]");
        Require(o.PortfolioLongShare is >= 0 and <= 1, nameof(o.PortfolioLongShare), "must be in [0, 1]");
        Require(o.PortfolioHedgedShare is >= 0 and <= 1, nameof(o.PortfolioHedgedShare), "must be in [0, 1]");
        Require(o.BookLevels >= 1, nameof(o.BookLevels), "must be >= 1");
        Require(o.BookSpan is > 0 and < 1, nameof(o.BookSpan), "must be in (0, 1)");
        Require(o.BookChangesPerStep >= 0, nameof(o.BookChangesPerStep), "must be >= 0");
        Require(o.TouchUpdatesPerStep >= 0, nameof(o.TouchUpdatesPerStep), "must be >= 0");
        Require(o.OpensPerSecond >= 0 && double.IsFinite(o.OpensPerSecond), nameof(o.OpensPerSecond), "must be >= 0");
        Require(o.LiquidationImpact is >= 0 and <= 1, nameof(o.LiquidationImpact), "must be in [0, 1]");
        Require(o.Profile is not null, nameof(o.Profile), "is required");
        Require(o.Symbols is { Count: > 0 }, nameof(o.Symbols), "needs at least one symbol");
        var instruments = new List<Domain.Instruments.Instrument>();
        foreach (var s in o.Symbols!)
        {
            Require(s?.Instrument is not null, nameof(o.Symbols), "every symbol needs an instrument");
            Require(double.IsFinite(s!.Price) && s.Price > 0, nameof(o.Symbols), $"{s.Instrument.Symbol}: the price must be > 0");
            Require(s.DepthWithin1Pct is null || (double.IsFinite(s.DepthWithin1Pct.Value) && s.DepthWithin1Pct > 0), nameof(o.Symbols), $"{s.Instrument.Symbol}: the depth within 1 % must be > 0");
            Require(s.DepthAlpha is >= DepthModel.MinAlpha and <= DepthModel.MaxAlpha, nameof(o.Symbols), $"{s.Instrument.Symbol}: the depth exponent must be in [{DepthModel.MinAlpha}, {DepthModel.MaxAlpha}]");
            Require(double.IsFinite(s.Beta) && Math.Abs(s.Beta) <= 10, nameof(o.Symbols), $"{s.Instrument.Symbol}: the beta must be a finite number in [-10, 10]");
            instruments.Add(s.Instrument);
        }

        PopulationMarkets.Create(instruments);
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{nameof(SimulatorOptions)}.{option} {message}");
        }
    }

    /// <summary>The state of one run. Everything is drawn from one <see cref="Random"/>, in a fixed order.</summary>
    private sealed class Simulation
    {
        private const int Tries = 4;

        private readonly SimulatorOptions _options;
        private readonly long _start;
        private readonly long _stepMs;
        private readonly long _steps;
        private readonly long _shockMs;
        private readonly long _firstShockMs;
        private readonly Random _rng;
        private readonly PopulationMarkets _markets;
        private readonly MarketState[] _symbols;
        private readonly double[] _marks;
        private readonly SimulatedAccount[] _accounts;
        private readonly long[] _sellLots;
        private readonly long[] _buyLots;
        private readonly PositionTerms[] _terms = new PositionTerms[SimulatedAccount.MaxPositions];
        private readonly PositionMargin[] _results = new PositionMargin[SimulatedAccount.MaxPositions];
        private readonly List<SimEvent> _pending = new(1024);
        private readonly double _decay;
        private readonly double _stepVolatility;
        private readonly double _idiosyncraticStepVolatility;
        private readonly double _opensPerStep;
        private readonly PortfolioMix _mix;

        // The market factor's random-walk step of the current step (the reference's log move before shocks).
        private double _factorStep;

        // Under AtPrice (Binance, Hyperliquid) and AtEntry (Bybit) an isolated or lone cross position's LP does not
        // depend on its mark; under AtMark (OKX, dYdX) the tier comes from the mark, so every LP is recomputed per step.
        private readonly bool _lpFollowsOwnMark;

        public Simulation(SimulatorOptions options, long start, TimeSpan duration)
        {
            _options = options;
            _start = start;
            _stepMs = (long)options.Step.TotalMilliseconds;
            _steps = (long)duration.TotalMilliseconds / _stepMs;
            _shockMs = (long)options.ShockEvery.TotalMilliseconds;
            _firstShockMs = (long)(options.FirstShockAfter ?? options.ShockEvery).TotalMilliseconds;
            var stepSeconds = _stepMs / 1000.0;
            _decay = Math.Pow(0.5, stepSeconds / options.ShockRecoveryHalfLife.TotalSeconds);
            _stepVolatility = options.VolatilityPerSecond * Math.Sqrt(stepSeconds);
            _idiosyncraticStepVolatility = options.IdiosyncraticVolatilityPerSecond * Math.Sqrt(stepSeconds);
            _mix = PortfolioMix.From(options);
            _opensPerStep = options.OpensPerSecond * stepSeconds;
            _lpFollowsOwnMark = options.Profile.TierBasis == TierBasis.AtMark;

            _rng = new Random(options.Seed);
            var count = options.Symbols.Count;
            var instruments = new Domain.Instruments.Instrument[count];
            var prices = new double[count];
            for (var i = 0; i < count; i++)
            {
                instruments[i] = options.Symbols[i].Instrument;
                prices[i] = options.Symbols[i].Price;
            }

            _markets = PopulationMarkets.Create(instruments);

            // Population first (its past, then its accounts), so that it equals SyntheticPopulation.Generate with the same seed.
            var paths = SyntheticPopulation.PastPaths(_rng, _markets, prices, start, options);
            _accounts = new SimulatedAccount[options.Accounts];
            for (var i = 0; i < _accounts.Length; i++)
            {
                var drawn = SyntheticPopulation.DrawAccount(_rng, SyntheticPopulation.AccountId(i), _markets, prices, paths, _mix);
                _accounts[i] = new SimulatedAccount(drawn);
            }

            var openInterest = OpenInterest(_accounts, _markets, prices);
            _symbols = new MarketState[count];
            _marks = new double[count];
            _sellLots = new long[count];
            _buyLots = new long[count];
            for (var i = 0; i < count; i++)
            {
                var spec = options.Symbols[i];
                var depth = new DepthModel(spec.DepthWithin1Pct ?? Math.Max(MinimumDepth, openInterest[i] / options.OpenInterestToDepth), spec.DepthAlpha);
                var book = new SimulatedBook(spec, options, depth, 1_000_000_000 + _rng.NextInt64(1_000_000_000));
                var state = new MarketState(book, Math.Log(prices[i]), i == 0 ? 1.0 : spec.Beta);
                state.MarkTicks = book.TicksOf(prices[i]);
                book.Build(_rng, state.MarkTicks);
                _symbols[i] = state;
                _marks[i] = book.Tick.ToPrice(state.MarkTicks);
            }
        }

        /// <summary>Depth a side within 1 % (USD) of a book whose population holds nothing on it.</summary>
        private const double MinimumDepth = 100_000;

        /// <summary>Each market's open interest in USD at the start: the mean of its long and short notional.</summary>
        private static double[] OpenInterest(SimulatedAccount[] accounts, PopulationMarkets markets, double[] prices)
        {
            var longs = new double[markets.Count];
            var shorts = new double[markets.Count];
            foreach (var account in accounts)
            {
                for (var p = 0; p < account.Count; p++)
                {
                    var market = account.Markets[p];
                    var notional = Math.Abs(markets[market].Instrument.Notional(account.Sizes[p], prices[market]));
                    if (account.Sizes[p] > 0)
                    {
                        longs[market] += notional;
                    }
                    else
                    {
                        shorts[market] += notional;
                    }
                }
            }

            for (var i = 0; i < longs.Length; i++)
            {
                longs[i] = (longs[i] + shorts[i]) / 2;
            }

            return longs;
        }

        public IEnumerable<SimEvent> Events()
        {
            foreach (var symbol in _options.Symbols)
            {
                yield return new SimInstrument(_start, symbol.Instrument);
            }

            foreach (var state in _symbols)
            {
                yield return state.Book.Snapshot(_start);
            }

            for (var i = 0; i < _symbols.Length; i++)
            {
                yield return new SimMark(_start, _symbols[i].Book.Symbol, _marks[i]);
            }

            foreach (var account in _accounts)
            {
                yield return account.Snapshot(_start, _markets);
            }

            for (var step = 1L; step <= _steps; step++)
            {
                Step(step);
                foreach (var e in _pending)
                {
                    yield return e;
                }

                _pending.Clear();
            }
        }

        private void Step(long step)
        {
            var time = _start + (step * _stepMs);
            var elapsed = step * _stepMs;
            if (_shockMs > 0 && ShocksBy(elapsed) > ShocksBy(elapsed - _stepMs))
            {
                StartShock();
            }

            // The dense part of a venue's book feed, before this step's mark moves: all symbols at each sub-step, so
            // event time never goes back.
            var touches = _options.TouchUpdatesPerStep;
            for (var k = 1; k <= touches; k++)
            {
                var at = time - _stepMs + (k * _stepMs / (touches + 1));
                foreach (var state in _symbols)
                {
                    state.Book.ChurnOne(_rng, state.Liquidity);
                    Add(state.Book.Flush(at));
                }
            }

            _factorStep = _stepVolatility * SyntheticPopulation.Normal(_rng);
            for (var i = 0; i < _symbols.Length; i++)
            {
                MoveMark(i);
                var state = _symbols[i];
                state.Book.Follow(_rng, state.MarkTicks, state.Liquidity);
                state.Book.Regulate(_rng, state.Liquidity);
                Add(state.Book.Flush(time));
                state.Book.Churn(_rng, _options.BookChangesPerStep, state.Liquidity);
                Add(state.Book.Flush(time));
            }

            for (var i = 0; i < _symbols.Length; i++)
            {
                _pending.Add(new SimMark(time, _symbols[i].Book.Symbol, _marks[i]));
            }

            Liquidate(time);
            Open(time);
        }

        /// <summary>How many shocks have started by <paramref name="elapsed"/> ms into the run.</summary>
        private long ShocksBy(long elapsed) => elapsed < _firstShockMs ? 0 : 1 + ((elapsed - _firstShockMs) / _shockMs);

        private void StartShock()
        {
            var down = _rng.NextDouble() < _options.ShockDownShare;
            var size = _options.ShockSize * (1 + (_options.ShockNoise * ((2 * _rng.NextDouble()) - 1)));
            var factorLog = Math.Log(down ? 1 - size : 1 + size);
            for (var i = 0; i < _symbols.Length; i++)
            {
                var state = _symbols[i];
                var dispersion = i == 0 ? 1.0 : 1 + (_options.ShockDispersion * ((2 * _rng.NextDouble()) - 1));
                state.ShockStepLog = state.Beta * factorLog * dispersion / _options.ShockSteps;
                state.ShockStepsLeft = _options.ShockSteps;
                state.SinceShock = 0;
            }
        }

        private void MoveMark(int i)
        {
            var state = _symbols[i];
            var step = state.Beta * _factorStep;
            if (i > 0)
            {
                step += _idiosyncraticStepVolatility * SyntheticPopulation.Normal(_rng);
            }

            state.Shock *= _decay;
            if (state.ShockStepsLeft > 0)
            {
                state.Walk += _options.ShockRetainedShare * state.ShockStepLog;
                state.Shock += (1 - _options.ShockRetainedShare) * state.ShockStepLog;
                state.ShockStepsLeft--;
            }

            state.Shock += state.PendingImpact;
            state.PendingImpact = 0;
            state.Walk += step;
            state.MarkTicks = state.Book.TicksOf(Math.Exp(state.Walk + state.Shock));
            _marks[i] = state.Book.Tick.ToPrice(state.MarkTicks);

            // Liquidity: withdrawn while the shock moves the mark, then back linearly.
            var since = state.SinceShock++;
            var withdrawn = _options.WithdrawnLiquidity;
            state.Liquidity = since < _options.ShockSteps ? withdrawn
                : since < _options.ShockSteps + _options.ReplenishSteps
                    ? withdrawn + ((1 - withdrawn) * (since - _options.ShockSteps + 1) / _options.ReplenishSteps)
                    : 1.0;
        }

        private void Liquidate(long time)
        {
            Array.Clear(_sellLots);
            Array.Clear(_buyLots);
            foreach (var account in _accounts)
            {
                if (account.Count == 0)
                {
                    continue;
                }

                // A cross account under MM is liquidated even when no LP exists to cross (a short whose pool is
                // under MM at any price of it); that is only known where the account was recomputed this step.
                var underMargin = false;
                if (account.Dirty || _lpFollowsOwnMark || (!account.Isolated && account.Count > 1))
                {
                    var margin = Recompute(account);
                    underMargin = !account.Isolated && margin.CrossEquity < margin.CrossMaintenanceMargin;
                }

                if (account.Isolated)
                {
                    for (var p = account.Count - 1; p >= 0; p--)
                    {
                        if (Crossed(account, p))
                        {
                            Liquidation(account, p, time);
                            Close(account, p, time);
                        }
                    }
                }
                else
                {
                    var crossed = underMargin;
                    for (var p = 0; p < account.Count && !crossed; p++)
                    {
                        crossed = Crossed(account, p);
                    }

                    if (crossed)
                    {
                        // Every liquidation before any close: each one is checkable against the account as published.
                        for (var p = 0; p < account.Count; p++)
                        {
                            Liquidation(account, p, time);
                        }

                        for (var p = account.Count - 1; p >= 0; p--)
                        {
                            Close(account, p, time);
                        }
                    }
                }
            }

            for (var i = 0; i < _symbols.Length; i++)
            {
                var state = _symbols[i];
                if (_sellLots[i] > 0)
                {
                    Impact(state, i, state.Book.Fill(sell: true, _sellLots[i]));
                }

                if (_buyLots[i] > 0)
                {
                    Impact(state, i, state.Book.Fill(sell: false, _buyLots[i]));
                }

                Add(state.Book.Flush(time));
            }
        }

        private void Impact(MarketState state, int market, double lastTouched) =>
            state.PendingImpact += _options.LiquidationImpact * Math.Log(lastTouched / _marks[market]);

        private bool Crossed(SimulatedAccount account, int p)
        {
            var lp = account.LiquidationPrices[p];
            if (double.IsNaN(lp))
            {
                return false;
            }

            var mark = _marks[account.Markets[p]];
            return account.Sizes[p] > 0 ? mark <= lp : mark >= lp;
        }

        private AccountMargin Recompute(SimulatedAccount account)
        {
            var n = account.Count;
            for (var p = 0; p < n; p++)
            {
                var market = account.Markets[p];
                _terms[p] = new PositionTerms(_markets[market].Instrument, account.Sizes[p], account.Entries[p], account.Margins[p], _marks[market]);
            }

            var margin = MarginCalculator.Compute(_options.Profile, account.Balance, _terms.AsSpan(0, n), _results.AsSpan(0, n));
            for (var p = 0; p < n; p++)
            {
                account.LiquidationPrices[p] = _results[p].LiquidationPrice;
            }

            account.Dirty = false;
            return margin;
        }

        private void Liquidation(SimulatedAccount account, int p, long time)
        {
            var market = account.Markets[p];
            var size = account.Sizes[p];
            _pending.Add(new SimLiquidation(time, _markets[market].Symbol, size > 0, _marks[market], Math.Abs(size), account.Id));
        }

        /// <summary>Closes a liquidated position and queues its size for the book.</summary>
        private void Close(SimulatedAccount account, int p, long time)
        {
            var market = account.Markets[p];
            var size = account.Sizes[p];
            _pending.Add(new SimPosition(time, account.Id, ++account.Seq, _markets[market].Symbol, 0, account.Entries[p], account.MarginOrNull(p)));
            var lots = _symbols[market].Book.LotsOf(size);
            if (size > 0)
            {
                _sellLots[market] += lots;
            }
            else
            {
                _buyLots[market] += lots;
            }

            account.RemoveAt(p);
        }

        private void Open(long time)
        {
            var opens = Poisson(_opensPerStep);
            for (var o = 0; o < opens; o++)
            {
                for (var attempt = 0; attempt < Tries && _accounts.Length > 0; attempt++)
                {
                    var account = _accounts[_rng.Next(_accounts.Length)];
                    if (TryOpen(account, time))
                    {
                        break;
                    }
                }
            }
        }

        private bool TryOpen(SimulatedAccount account, long time)
        {
            if (!account.Isolated)
            {
                if (account.Count > 0)
                {
                    return false;
                }

                var drawn = SyntheticPopulation.DrawAccount(_rng, account.Id, account.Kind, _markets, _marks, paths: null, _mix);
                account.Reset(drawn);
                _pending.Add(account.Snapshot(time, _markets));
                return true;
            }

            var market = account.Count >= SimulatedAccount.MaxIsolatedPositions ? -1 : _markets.Pick(_rng, account.Count == 0 ? -1 : account.Markets[0]);
            if (market < 0)
            {
                // Full: the trader closes the oldest position (off the book, like an open) and may open again later.
                // Without it a small population ends up all full survivors no shock reaches, and the stream goes quiet.
                var oldest = account.Markets[0];
                _pending.Add(new SimPosition(time, account.Id, ++account.Seq, _markets[oldest].Symbol, 0, account.Entries[0], account.MarginOrNull(0)));
                account.RemoveAt(0);
                return true;
            }

            var position = SyntheticPopulation.DrawPosition(_rng, _markets, market, path: null, _marks[market], isolated: true);
            account.Add(position);
            account.Seq++;
            _pending.Add(new SimPosition(time, account.Id, account.Seq, _markets[market].Symbol, position.Size, position.Entry, position.IsolatedMargin));
            return true;
        }

        private int Poisson(double mean)
        {
            if (mean <= 0)
            {
                return 0;
            }

            // Knuth: fine for the small means a step has (a few per second × 0.1 s).
            var limit = Math.Exp(-mean);
            var k = 0;
            var product = _rng.NextDouble();
            while (product > limit)
            {
                k++;
                product *= _rng.NextDouble();
            }

            return k;
        }

        private void Add(SimBook? update)
        {
            if (update is not null)
            {
                _pending.Add(update);
            }
        }
    }

    /// <summary>One symbol's mark model and book.</summary>
    /// <param name="beta">How far it moves with the market factor (1 for the reference).</param>
    private sealed class MarketState(SimulatedBook book, double walk, double beta)
    {
        public SimulatedBook Book { get; } = book;

        public double Beta { get; } = beta;

        /// <summary>Log price of the random walk.</summary>
        public double Walk { get; set; } = walk;

        /// <summary>Log offset from shocks and liquidation impact; decays towards 0.</summary>
        public double Shock { get; set; }

        public double ShockStepLog { get; set; }

        public int ShockStepsLeft { get; set; }

        public double PendingImpact { get; set; }

        public long MarkTicks { get; set; }

        /// <summary>Steps since the last shock started (large before the first).</summary>
        public int SinceShock { get; set; } = int.MaxValue / 2;

        /// <summary>Share of the normal depth quoted near the mark.</summary>
        public double Liquidity { get; set; } = 1.0;
    }

    /// <summary>An account as the simulator holds it: its margin inputs, at most three positions, cached LPs.</summary>
    private sealed class SimulatedAccount
    {
        /// <summary>A portfolio's legs at most.</summary>
        public const int MaxPositions = 3;

        /// <summary>An isolated account opens positions up to this many.</summary>
        public const int MaxIsolatedPositions = 2;

        public SimulatedAccount(DrawnAccount drawn)
        {
            Id = drawn.Id;
            Kind = drawn.Kind;
            Reset(drawn);
        }

        public string Id { get; }

        public AccountKind Kind { get; }

        public bool Isolated => Kind == AccountKind.Isolated;

        public double Balance { get; private set; }

        public long Seq { get; set; }

        public int Count { get; private set; }

        /// <summary>The cached LPs are stale (a position changed).</summary>
        public bool Dirty { get; set; }

        public int[] Markets { get; } = new int[MaxPositions];

        public double[] Sizes { get; } = new double[MaxPositions];

        public double[] Entries { get; } = new double[MaxPositions];

        /// <summary>Isolated margin, NaN for cross.</summary>
        public double[] Margins { get; } = new double[MaxPositions];

        public double[] LiquidationPrices { get; } = new double[MaxPositions];

        public void Reset(DrawnAccount drawn)
        {
            Balance = drawn.Balance;
            Count = 0;
            foreach (var p in drawn.Positions)
            {
                Add(p);
            }
        }

        public void Add(in DrawnPosition p)
        {
            Markets[Count] = p.Market;
            Sizes[Count] = p.Size;
            Entries[Count] = p.Entry;
            Margins[Count] = p.IsolatedMargin;
            LiquidationPrices[Count] = double.NaN;
            Count++;
            Dirty = true;
        }

        public void RemoveAt(int p)
        {
            for (var i = p; i < Count - 1; i++)
            {
                Markets[i] = Markets[i + 1];
                Sizes[i] = Sizes[i + 1];
                Entries[i] = Entries[i + 1];
                Margins[i] = Margins[i + 1];
                LiquidationPrices[i] = LiquidationPrices[i + 1];
            }

            Count--;
            Dirty = true;
        }

        public double? MarginOrNull(int p) => double.IsNaN(Margins[p]) ? null : Margins[p];

        /// <summary>The account's full snapshot, with the next sequence number.</summary>
        public SimAccount Snapshot(long time, PopulationMarkets markets)
        {
            var positions = new (string Symbol, double Size, double Entry, double? IsolatedMargin)[Count];
            for (var p = 0; p < Count; p++)
            {
                positions[p] = (markets[Markets[p]].Symbol, Sizes[p], Entries[p], MarginOrNull(p));
            }

            return new SimAccount(time, Id, ++Seq, Balance, positions);
        }
    }
}
