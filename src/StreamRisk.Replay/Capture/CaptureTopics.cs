namespace StreamRisk.Replay.Capture;

/// <summary>
/// The names a capture record gives the input kinds of <see cref="Contracts.Wire.WireTopic"/>. A capture stores the
/// kind, never the Kafka topic name, so it replays under any topic prefix.
/// </summary>
public static class CaptureTopics
{
    public const string Instruments = "instruments";
    public const string Book = "book";
    public const string Marks = "marks";
    public const string Positions = "positions";
    public const string Liquidations = "liquidations";
    public const string Insurance = "insurance";

    /// <summary>Every kind, in the order a replay needs them first (instruments before anything naming a symbol).</summary>
    public static IReadOnlyList<string> All { get; } = [Instruments, Book, Marks, Positions, Liquidations, Insurance];

    /// <summary>The kind of a wire message's topic.</summary>
    public static string Of(Contracts.Wire.WireTopic topic) => topic switch
    {
        Contracts.Wire.WireTopic.Instruments => Instruments,
        Contracts.Wire.WireTopic.Book => Book,
        Contracts.Wire.WireTopic.Marks => Marks,
        Contracts.Wire.WireTopic.Positions => Positions,
        Contracts.Wire.WireTopic.Liquidations => Liquidations,
        Contracts.Wire.WireTopic.Insurance => Insurance,
        _ => throw new ArgumentOutOfRangeException(nameof(topic), topic, "not a captured topic kind"),
    };

    /// <summary>The wire topic of a kind (the inverse of <see cref="Of"/>).</summary>
    public static Contracts.Wire.WireTopic ToWire(string kind) => kind switch
    {
        Instruments => Contracts.Wire.WireTopic.Instruments,
        Book => Contracts.Wire.WireTopic.Book,
        Marks => Contracts.Wire.WireTopic.Marks,
        Positions => Contracts.Wire.WireTopic.Positions,
        Liquidations => Contracts.Wire.WireTopic.Liquidations,
        Insurance => Contracts.Wire.WireTopic.Insurance,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a capture topic kind"),
    };

    /// <summary>The interned kind equal to <paramref name="name"/> (ordinal), so records share one string per kind.</summary>
    public static bool TryGet(string? name, out string kind)
    {
        foreach (var known in All)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                kind = known;
                return true;
            }
        }

        kind = string.Empty;
        return false;
    }
}
