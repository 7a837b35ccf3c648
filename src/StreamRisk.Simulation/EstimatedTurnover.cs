using StreamRisk.Domain.Instruments;

namespace StreamRisk.Simulation;

/// <summary>
/// An estimated population's positions changing hands along the path being replayed, as the minutes come: what a
/// CoinGlass-style liquidation map does with the real path (positions opened at each candle's price at the map's
/// leverage levels), on top of the population opened along a simulated past. Deterministic by its seed.
/// </summary>
/// <remarks>
/// <para><b>How many</b>: every traded contract closes at most one holder's position and opens another's — a seller
/// closing a long sells to a buyer opening one, or a buyer closing a short buys from a seller opening one — so a volume V
/// turns over at most V of the 2 × OI of positions held, long and short together: a share V / (2 × OI)
/// (<see cref="Share"/>). Taken as the share, it is an upper bound (volume also holds round trips inside the minute that
/// no held position sees). With open interest at 0.4 × a day's volume (the backtest's estimate) it turns the population
/// over about once in a day's volume, the simulated past the population was opened along.</para>
/// <para><b>Which and how</b>: each account independently with that probability; its position is closed and one of the
/// same size and side opened at the price now, with leverage, margin mode and wallet drawn afresh from the prior
/// (<see cref="EstimatedPopulation.Reopened"/>). An account the venue liquidated is drawn like any other: a new trader
/// takes its place. The price now is the last known one (no look-ahead), and the volume the last whole minute's.</para>
/// </remarks>
public sealed class EstimatedTurnover
{
    private readonly PopulationMarkets _markets;
    private readonly LeveragePrior _prior;
    private readonly Random _rng;
    private readonly string[] _ids;
    private readonly double[] _sizes;
    private readonly long[] _seqs;

    /// <param name="accounts">The population (one position each, on <paramref name="instrument"/>) as opened.</param>
    /// <param name="ids">Each account's id on the wire, in the order of <paramref name="accounts"/>.</param>
    public EstimatedTurnover(Instrument instrument, IReadOnlyList<SimAccount> accounts, IReadOnlyList<string> ids, LeveragePrior prior, int seed)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(prior);
        if (ids.Count != accounts.Count)
        {
            throw new ArgumentException("one id per account", nameof(ids));
        }

        _markets = PopulationMarkets.Create([instrument]);
        _prior = prior;
        _rng = new Random(seed);
        _ids = [.. ids];
        _sizes = [.. accounts.Select(a => a.Positions.Count == 1 ? a.Positions[0].Size : throw new ArgumentException("one position per account", nameof(accounts)))];
        _seqs = [.. accounts.Select(a => a.Seq)];
    }

    /// <summary>Account snapshots made so far.</summary>
    public long Reopened { get; private set; }

    /// <summary>
    /// The share of positions a <paramref name="volume"/> (USD) turns over at most against <paramref name="openInterest"/>
    /// (USD): V / (2 × OI), at most 1.
    /// </summary>
    public static double Share(double volume, double openInterest) =>
        openInterest > 0 && volume > 0 ? Math.Min(1, volume / (2 * openInterest)) : 0;

    /// <summary>
    /// Each account with probability <paramref name="share"/>: its position closed and one of the same size opened at
    /// <paramref name="price"/> at <paramref name="eventTime"/>, as a snapshot replacing the account (its seq the next).
    /// </summary>
    public List<SimAccount> Step(double share, double price, long eventTime)
    {
        var result = new List<SimAccount>();
        if (!(share > 0))
        {
            return result;
        }

        for (var i = 0; i < _ids.Length; i++)
        {
            if (_rng.NextDouble() < share)
            {
                result.Add(EstimatedPopulation.Reopened(_markets, _prior, _rng, _ids[i], _sizes[i], price, eventTime, ++_seqs[i]));
            }
        }

        Reopened += result.Count;
        return result;
    }
}
