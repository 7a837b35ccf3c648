namespace StreamRisk.Domain;

/// <summary>An instrument's ticker as the venue spells it, e.g. <c>BTCUSDT</c>.</summary>
public readonly record struct Symbol(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A trading account's identifier.</summary>
public readonly record struct AccountId(string Value)
{
    public override string ToString() => Value;
}
