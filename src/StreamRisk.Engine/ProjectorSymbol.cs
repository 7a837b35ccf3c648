using StreamRisk.Contracts.Wire;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Ladders;

namespace StreamRisk.Engine;

/// <summary>
/// One symbol's state in the projector: its book and the depth frozen for projections, marks, the ladders merged from
/// the account stage's updates, large positions and ADL candidates by source, and the windows. Written by
/// <see cref="ProjectorStage"/> as input is applied; read (and its projection caches kept) by <see cref="ProjectionBuilder"/>.
/// </summary>
internal sealed class ProjectorSymbol(EngineOptions options)
{
    private readonly SortedDictionary<int, List<LargePosition>> _large = [];
    private readonly SortedDictionary<int, (List<AdlCandidate> Longs, List<AdlCandidate> Shorts)> _adl = [];
    private AdlQueue? _adlLongs;
    private AdlQueue? _adlShorts;

    public OrderBook? Book { get; set; }
    public SideDepth Bids { get; } = new();
    public SideDepth Asks { get; } = new();
    public double InsuranceFund { get; set; }
    public double Mark { get; set; } = double.NaN;
    public double ProjectedMark { get; set; } = double.NaN;
    public long AtOnceMarkAt { get; set; } = long.MinValue / 2;
    public TimeWindow Liquidations { get; } = new(options.DefaultThresholds.CascadeWindow);
    public TimeWindow Marks { get; } = new(options.DefaultThresholds.CascadeWindow);
    public TimeWindow Depth { get; } = new(options.DefaultThresholds.DepthWindow);

    /// <summary>The last update number applied, per source.</summary>
    public Dictionary<int, long> Applied { get; } = [];

    /// <summary>
    /// The fund settlements taken, per source: every number up to <c>Through</c>, and those above it taken out of order
    /// (one sent again after a lost update; usually none).
    /// </summary>
    private readonly Dictionary<int, (long Through, HashSet<long>? Above)> _settled = [];

    /// <summary>True the first time a source's settlement <paramref name="number"/> is seen; false when it was taken before.</summary>
    public bool TakeSettlement(int source, long number)
    {
        var (through, above) = _settled.GetValueOrDefault(source);
        if (number <= through || above?.Contains(number) == true)
        {
            return false;
        }

        if (number == through + 1)
        {
            through++;
            while (above is not null && above.Remove(through + 1))
            {
                through++;
            }
        }
        else
        {
            (above ??= []).Add(number);
        }

        _settled[source] = (through, above);
        return true;
    }

    /// <summary>Merged ladders; a placeholder tick until the first bucket says the symbol's.</summary>
    public BucketLadder Longs { get; private set; } = new(longSide: true, 1);

    public BucketLadder Shorts { get; private set; } = new(longSide: false, 1);

    private bool _tickKnown;

    public void EnsureLadders(double tick)
    {
        if (!_tickKnown && tick > 0)
        {
            _tickKnown = true;
            Longs = new BucketLadder(longSide: true, tick);
            Shorts = new BucketLadder(longSide: false, tick);
        }
    }

    public void SetLarge(int source, List<LargePosition> positions)
    {
        if (!_large.TryGetValue(source, out var list))
        {
            _large[source] = list = [];
        }

        list.Clear();
        list.AddRange(positions);
    }

    /// <summary>The large positions as each source sent them (no enumerator chain: read on every projection).</summary>
    public SortedDictionary<int, List<LargePosition>>.ValueCollection LargeLists() => _large.Values;

    public void SetAdl(int source, List<AdlCandidate> longs, List<AdlCandidate> shorts)
    {
        if (!_adl.TryGetValue(source, out var lists))
        {
            _adl[source] = lists = ([], []);
        }

        lists.Longs.Clear();
        lists.Longs.AddRange(longs);
        lists.Shorts.Clear();
        lists.Shorts.AddRange(shorts);
        _adlLongs = null;
        _adlShorts = null;
    }

    /// <summary>The merged ADL queue of one side, built once per ranking the sources sent.</summary>
    public AdlQueue AdlQueue(bool longs, AdlRanking ranking) => longs
        ? _adlLongs ??= Domain.Cascades.AdlQueue.FromRanked(ranking, longs: true, _adl.Values.SelectMany(x => x.Longs), AccountStage.AdlCandidates)
        : _adlShorts ??= Domain.Cascades.AdlQueue.FromRanked(ranking, longs: false, _adl.Values.SelectMany(x => x.Shorts), AccountStage.AdlCandidates);
}
