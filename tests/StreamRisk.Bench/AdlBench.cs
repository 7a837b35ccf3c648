using System.Diagnostics;
using StreamRisk.Domain;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;
using StreamRisk.Engine;

namespace StreamRisk.Bench;

/// <summary>What the ADL ranking run measured.</summary>
internal sealed record AdlFigures(int Holders, long Rankings, double Seconds)
{
    public double RankingsPerSecond => Rankings / Seconds;

    public double NanosecondsPerHolder => Seconds * 1e9 / (Rankings * (double)Holders);
}

/// <summary>
/// One symbol's ADL ranking as the account stage runs it once a second (<see cref="AdlQueue.RankBothInto"/>, both sides,
/// the engine's <see cref="AccountStage.AdlCandidates"/> per side, PnL × leverage) over a population of holders in every
/// shape the ranking reads differently: lone cross positions, isolated ones, and cross positions sharing the account's
/// equity with a second cross leg. The mark moves before each ranking (untimed), as it does between two rankings live.
/// </summary>
internal static class AdlBench
{
    public static AdlFigures Run(int holders, TimeSpan budget, Action<string> progress)
    {
        progress($"adl: {holders:N0} holders of one symbol");
        var book = new MarginBook(MarginProfile.Binance, new InstrumentCatalog());
        var tiers = MarginTiers.Flat(0.01);
        var symbol = book.ApplyInstrument(new Instrument(new Symbol("XUSDT"), ContractKind.Linear, 0.1, 0.001, tiers));
        var other = book.ApplyInstrument(new Instrument(new Symbol("YUSDT"), ContractKind.Linear, 0.1, 0.001, tiers));
        book.ApplyMark(symbol, 100);
        book.ApplyMark(other, 50);
        var rng = new Random(21);
        for (var i = 0; i < holders; i++)
        {
            var size = Math.Round(rng.NextDouble() * 10, 3) + 0.001;
            size = rng.Next(2) == 0 ? size : -size;
            var entry = Math.Round(90 + (rng.NextDouble() * 20), 1);
            var balance = Math.Round(100 + (rng.NextDouble() * 5_000), 2);
            (int, double, double, double)[] legs = rng.Next(10) switch
            {
                < 4 => [(symbol, size, entry, double.NaN)],
                < 7 => [(symbol, size, entry, Math.Round(Math.Abs(size) * entry * 0.1, 2))],
                _ => [(symbol, size, entry, double.NaN), (other, rng.Next(2) == 0 ? 1 : -1, 50, double.NaN)],
            };
            book.ApplyAccount(new AccountId("acct-" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)), balance, legs);
        }

        List<AdlCandidate> longs = new(AccountStage.AdlCandidates), shorts = new(AccountStage.AdlCandidates);
        for (var i = 0; i < 50; i++)
        {
            // Warm-up: the ranking's code at its final JIT tier before the timed rankings.
            AdlQueue.RankBothInto(book, symbol, AdlRanking.PnlTimesLeverage, AccountStage.AdlCandidates, longs, shorts);
        }

        var timer = new Stopwatch();
        long rankings = 0;
        var step = 0;
        progress($"adl: ranking both sides (at least {budget.TotalSeconds:0} s)");
        while (rankings < 10 || timer.Elapsed < budget)
        {
            // Marks around 100 and the other symbol's around 50: the cross holders' equity moves between rankings.
            step++;
            book.ApplyMark(symbol, 100 + (5 * Math.Sin(step * 0.1)));
            book.ApplyMark(other, 50 + (2 * Math.Cos(step * 0.1)));
            timer.Start();
            AdlQueue.RankBothInto(book, symbol, AdlRanking.PnlTimesLeverage, AccountStage.AdlCandidates, longs, shorts);
            timer.Stop();
            rankings++;
        }

        return new AdlFigures(holders, rankings, timer.Elapsed.TotalSeconds);
    }
}
