using StreamRisk.Domain.Instruments;

namespace StreamRisk.Domain.Margin;

/// <summary>
/// One account's inputs and derived margin figures, kept current by <see cref="MarginBook"/> (its only
/// writer). Readers on other threads must take snapshots through the engine, never read this directly.
/// </summary>
public sealed class AccountState
{
    private PositionTerms[] _terms;
    private PositionMargin[] _results;
    private int[] _instrumentIndexes;

    internal AccountState(AccountId id, int slot)
    {
        Id = id;
        Slot = slot;
        _terms = new PositionTerms[2];
        _results = new PositionMargin[2];
        _instrumentIndexes = new int[2];
    }

    public AccountId Id { get; }

    /// <summary>Dense index of the account inside its <see cref="MarginBook"/>.</summary>
    public int Slot { get; }

    /// <summary>Cross wallet balance (isolated margins are held per position, outside it).</summary>
    public double Balance { get; internal set; }

    public int PositionCount { get; private set; }

    public AccountMargin Margin { get; private set; }

    /// <summary>Incremented on every recomputation: lets tests prove an event touched only its account.</summary>
    public long Version { get; private set; }

    public ReadOnlySpan<PositionTerms> Positions => _terms.AsSpan(0, PositionCount);

    public ReadOnlySpan<PositionMargin> PositionMargins => _results.AsSpan(0, PositionCount);

    public int InstrumentIndexAt(int position) => _instrumentIndexes[position];

    internal int IndexOf(int instrumentIndex)
    {
        for (var i = 0; i < PositionCount; i++)
        {
            if (_instrumentIndexes[i] == instrumentIndex)
            {
                return i;
            }
        }

        return -1;
    }

    internal void Set(int instrumentIndex, in PositionTerms terms)
    {
        var i = IndexOf(instrumentIndex);
        if (i < 0)
        {
            if (PositionCount == _terms.Length)
            {
                Array.Resize(ref _terms, PositionCount * 2);
                Array.Resize(ref _results, PositionCount * 2);
                Array.Resize(ref _instrumentIndexes, PositionCount * 2);
            }

            i = PositionCount++;
            _instrumentIndexes[i] = instrumentIndex;
        }

        _terms[i] = terms;
    }

    internal bool Remove(int instrumentIndex)
    {
        var i = IndexOf(instrumentIndex);
        if (i < 0)
        {
            return false;
        }

        var last = --PositionCount;
        _terms[i] = _terms[last];
        _instrumentIndexes[i] = _instrumentIndexes[last];
        _terms[last] = default;
        return true;
    }

    internal void Clear()
    {
        Array.Clear(_terms, 0, PositionCount);
        PositionCount = 0;
    }

    internal void UpdateMark(int position, double mark) => _terms[position] = _terms[position] with { Mark = mark };

    internal void UpdateInstrument(int position, Instrument instrument) => _terms[position] = _terms[position] with { Instrument = instrument };

    internal void Recompute(MarginProfile profile)
    {
        Margin = MarginCalculator.Compute(profile, Balance, _terms.AsSpan(0, PositionCount), _results);
        Version++;
    }
}
