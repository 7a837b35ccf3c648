using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Alerts;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;
using StreamRisk.Engine;

namespace StreamRisk.Engine.Tests;

/// <summary>
/// The scale-out invariant without Kafka: accounts split over several account stages (each fed every mark) and merged
/// by one projector give the very projections of one engine holding every account — field for field, bit for bit —
/// however the updates of the stages interleave and even when some are delivered twice. Venue fills naming accounts
/// settle with the fund where the account is held and move the projector's fund exactly as one engine's.
/// </summary>
public sealed class SplitStagesTests
{
    [Theory]
    [InlineData(1, 2, 0.01, false)]
    [InlineData(2, 3, 0.01, false)]
    [InlineData(3, 5, 0.01, false)]
    [InlineData(4, 3, 0.0005, false)] // marks mostly inside the revaluation move: most are coalesced (deferred)
    [InlineData(5, 3, 0.01, true)] // one update in six lost on the way; the stage sends the symbol's whole state again
    [InlineData(6, 2, 0.0005, true)]
    public void AccountsSplitOverStages_ProjectLikeOneEngine(int seed, int stages, double markNoise, bool loseSome)
    {
        var random = new Random(seed);
        // Large positions low enough (and far enough) that projections name some: their figures must match too.
        var options = new EngineOptions
        {
            DefaultInsuranceFund = 50_000,
            DefaultThresholds = new AlertThresholds { LargeAccountNotional = 150_000, LargeAccountDistance = 0.3 },
        };
        var whole = new RiskEngine(options);

        // The split: N account stages, each with its own catalog (instrument order is the same), one projector.
        var catalog = new InstrumentCatalog();
        var projector = new ProjectorStage(options, catalog);
        var copy = new LadderUpdate();
        var lost = new List<(AccountStage Part, int Instrument)>();
        var lostAny = false;
        var parts = new List<AccountStage>();
        for (var i = 0; i < stages; i++)
        {
            var source = i;
            parts.Add(new AccountStage(options, new InstrumentCatalog(), source, update =>
            {
                if (loseSome && !update.Replaces && random.Next(6) == 0)
                {
                    lost.Add((parts[source], update.Instrument)); // what a failed delivery report tells the stage
                    lostAny = true;
                    return;
                }

                Copy(update, copy);
                projector.Apply(copy);
                if (random.Next(8) == 0)
                {
                    projector.Apply(copy); // delivered twice (a rebuilt partition repeats itself): skipped
                }
            }));
        }

        Instrument[] instruments =
        [
            new(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004)),
            new(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.01, MarginTiers.Flat(0.005)),
        ];
        double[] prices = [60_000, 3_000];
        foreach (var instrument in instruments)
        {
            var tick = TickSize.FromDecimal((decimal)instrument.TickSize);
            var index = whole.ApplyInstrument(instrument, tick);
            Assert.Equal(index, projector.ApplyInstrument(instrument, tick));
            foreach (var part in parts)
            {
                part.ApplyInstrument(instrument);
            }

            // Levels in ticks of the instrument, 0.05% apart.
            var mid = (long)(prices[index] / instrument.TickSize);
            var bids = Enumerable.Range(1, 200).Select(k => new PriceLevel(mid - (k * mid / 2_000), 2 + (random.NextDouble() * 5))).ToArray();
            var asks = Enumerable.Range(1, 200).Select(k => new PriceLevel(mid + (k * mid / 2_000), 2 + (random.NextDouble() * 5))).ToArray();
            whole.ApplyBookSnapshot(index, 1, bids, asks, 0);
            projector.ApplyBookSnapshot(index, 1, bids, asks, 0);
        }

        var time = 1_000L;
        var liquidatable = 0;
        var named = 0;
        var fundMoved = 0;
        var insuranceUpdates = 0;
        for (var step = 0; step < 3_000; step++)
        {
            time += random.Next(0, 40);
            var instrument = random.Next(2);
            if (random.Next(4) == 0)
            {
                var mark = prices[instrument] * (1 + ((random.NextDouble() - 0.5) * markNoise));
                whole.ApplyMark(instrument, mark, time);
                foreach (var part in parts)
                {
                    part.ApplyMark(instrument, mark, time);
                }

                projector.ApplyMark(instrument, mark, time);
            }
            else
            {
                var account = "acct-" + random.Next(400);
                // A fixed hash (string hash codes differ per process): the same split every run, as Kafka's partitioner gives.
                var owner = parts[(int)(Fnv1a(account) % (uint)stages)];
                if (random.Next(8) == 0)
                {
                    // A venue fill naming the account (a random side: it may hold none there): settled where it is held.
                    var isLong = random.Next(2) == 0;
                    var price = prices[instrument] * (1 + ((random.NextDouble() - 0.5) * 0.04));
                    var filled = Math.Round(random.NextDouble() * 5, 3) * (instrument == 0 ? 1 : 20) + 0.001;
                    whole.ApplyLiquidation(instrument, isLong, price, filled, time, new AccountId(account));
                    owner.ApplyLiquidation(new AccountId(account), instrument, isLong, price, filled, time);
                    projector.ApplyLiquidation(instrument, price, filled, time);
                    continue;
                }

                if (random.Next(150) == 0)
                {
                    // The venue's balance replaces the fund; settlements go on from it.
                    var balance = Math.Round(20_000 + (random.NextDouble() * 60_000), 2);
                    whole.ApplyInsurance(instrument, instruments[instrument].Symbol.Value, balance, time);
                    projector.ApplyInsurance(instrument, instruments[instrument].Symbol.Value, balance, time);
                    insuranceUpdates++;
                    continue;
                }

                var size = Math.Round((random.NextDouble() - 0.45) * 20, 3) * (instrument == 0 ? 1 : 20);
                var entry = prices[instrument] * (1 + ((random.NextDouble() - 0.5) * 0.02));
                var isolated = random.Next(3) == 0 ? Math.Abs(size) * entry / random.Next(5, 60) : double.NaN;
                if (random.Next(5) == 0)
                {
                    var balance = 1_000 + random.NextDouble() * 50_000;
                    whole.ApplyBalance(new AccountId(account), balance, time);
                    owner.ApplyBalance(new AccountId(account), balance, time);
                }
                else
                {
                    whole.ApplyPosition(new AccountId(account), instrument, size, entry, isolated, time);
                    owner.ApplyPosition(new AccountId(account), instrument, size, entry, isolated, time);
                }
            }

            if (step % 50 == 49)
            {
                foreach (var (part, symbol) in lost)
                {
                    part.Republish(symbol);
                }

                lost.Clear();

                for (var i = 0; i < 2; i++)
                {
                    // Bit for bit, settlements sent again after a lost update (arriving after later ones) included.
                    Assert.Equal(BitConverter.DoubleToInt64Bits(whole.InsuranceFundOf(i)), BitConverter.DoubleToInt64Bits(projector.InsuranceFundOf(i)));

                    fundMoved += whole.InsuranceFundOf(i) != 50_000 ? 1 : 0;
                    var expected = whole.Project(i, time);
                    var actual = projector.Project(i, time);
                    Assert.Equal(Describe(expected), Describe(actual));
                    liquidatable += expected?.Bands.Any(b => b.LiquidatableDown > 0 || b.LiquidatableUp > 0) == true ? 1 : 0;
                    named += expected?.LargeAccounts.Count > 0 ? 1 : 0;
                }
            }
        }

        Assert.True(!loseSome || lostAny, "no update was lost");
        Assert.True(liquidatable > 20, $"only {liquidatable} projections had anything liquidatable within the bands");
        Assert.True(named > 20, $"only {named} projections named large accounts near liquidation");
        Assert.True(fundMoved > 20 && insuranceUpdates > 2, $"the fund moved in only {fundMoved} comparisons, {insuranceUpdates} venue balances");
    }

    private static void Copy(LadderUpdate from, LadderUpdate to)
    {
        to.Reset();
        to.Source = from.Source;
        to.Instrument = from.Instrument;
        to.Number = from.Number;
        to.EventTime = from.EventTime;
        to.Tick = from.Tick;
        to.TouchesBefore = from.TouchesBefore;
        to.TouchesAfter = from.TouchesAfter;
        to.Replaces = from.Replaces;
        to.Buckets.AddRange(from.Buckets);
        to.HasLarge = from.HasLarge;
        to.Large.AddRange(from.Large);
        to.HasAdl = from.HasAdl;
        to.AdlLongs.AddRange(from.AdlLongs);
        to.AdlShorts.AddRange(from.AdlShorts);
        to.Settlements.AddRange(from.Settlements);
    }

    /// <summary>Every figure of a projection as text with round-trip doubles: equal text, equal bits.</summary>
    private static string Describe(SymbolRisk? risk)
    {
        if (risk is null)
        {
            return "none";
        }

        var text = new System.Text.StringBuilder();
        text.Append(System.FormattableString.Invariant($"{risk.Mark:R} {risk.CriticalShockDown:R} {risk.CriticalShockUp:R} {risk.FundDrainShockDown:R} {risk.FundDrainShockUp:R} {risk.AdlNotionalDown:R} {risk.AdlNotionalUp:R}|"));
        foreach (var band in risk.Bands)
        {
            text.Append(System.FormattableString.Invariant($"{band.Band:R}:{band.LiquidatableDown:R}/{band.LiquidatableUp:R};"));
        }

        foreach (var ring in risk.Heatmap)
        {
            text.Append(System.FormattableString.Invariant($"{ring.Liquidatable:R};"));
        }

        foreach (var chain in new[] { risk.ChainDown, risk.ChainUp })
        {
            text.Append(chain is null ? "-" : System.FormattableString.Invariant($"{chain.FinalPrice:R} {chain.Amplification:R} {chain.Notional:R} {chain.Positions} {string.Join(",", chain.TopAccounts)}|"));
        }

        foreach (var large in risk.LargeAccounts)
        {
            text.Append(System.FormattableString.Invariant($"{large.Account} {large.Notional:R} {large.Distance:R};"));
        }

        return text.ToString();
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2_166_136_261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16_777_619u;
        }

        return hash;
    }
}
