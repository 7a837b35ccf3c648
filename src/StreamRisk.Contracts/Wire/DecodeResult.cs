namespace StreamRisk.Contracts.Wire;

/// <summary>Why a message was refused. Each maps to one machine-readable reason code (see <see cref="WireReasons"/>).</summary>
public enum WireProblem
{
    /// <summary>The message decoded.</summary>
    None = 0,

    /// <summary><c>bad-json</c>: not well-formed JSON (including truncation and trailing content).</summary>
    BadJson,

    /// <summary><c>too-large</c>: over <see cref="WireDecoderOptions.MaxMessageBytes"/>.</summary>
    TooLarge,

    /// <summary><c>too-deep</c>: nested deeper than <see cref="WireDecoderOptions.MaxDepth"/>.</summary>
    TooDeep,

    /// <summary><c>unsupported-version</c>: <c>v</c> is not a version this build reads.</summary>
    UnsupportedVersion,

    /// <summary><c>unknown-type</c>: <c>type</c> names no message of the topic.</summary>
    UnknownType,

    /// <summary><c>unknown-symbol</c>: the symbol is not among the known instruments.</summary>
    UnknownSymbol,

    /// <summary><c>missing:field</c>: a required field is absent (or null).</summary>
    Missing,

    /// <summary><c>duplicate:field</c>: a field appears twice in one object.</summary>
    Duplicate,

    /// <summary><c>wrong-type:field</c>: e.g. a string where an object is expected.</summary>
    WrongType,

    /// <summary><c>bad-number:field</c>: a decimal string that is not a number.</summary>
    BadNumber,

    /// <summary><c>not-integer:field</c>: an id, sequence, time or version that is not a 64-bit integer.</summary>
    NotInteger,

    /// <summary><c>not-finite:field</c>: NaN, Infinity, or beyond double range such as <c>1e400</c>.</summary>
    NotFinite,

    /// <summary><c>negative:field</c>.</summary>
    Negative,

    /// <summary><c>zero:field</c>: zero where only a positive value makes sense (a price, a fill size).</summary>
    Zero,

    /// <summary><c>off-tick:price</c>: a book price that is not a whole number of the instrument's ticks.</summary>
    OffTick,

    /// <summary><c>out-of-range:field</c>: finite but unusable (ticks beyond 64 bits, firstId after lastId).</summary>
    OutOfRange,

    /// <summary><c>bad-value:field</c>: a value outside its set (<c>side</c>, <c>contract</c>) or an inconsistent table (<c>tiers</c>).</summary>
    BadValue,

    /// <summary><c>too-many:field</c>: more levels, positions or tiers than the limit.</summary>
    TooMany,

    /// <summary><c>too-long:field</c>: a symbol or account id longer than its limit.</summary>
    TooLong,

    /// <summary><c>bad-utf8:field</c>: an identifier that is not valid UTF-8.</summary>
    BadUtf8,

    /// <summary><c>duplicate-level:bids|asks</c>: a snapshot lists one price twice.</summary>
    DuplicateLevel,

    /// <summary><c>duplicate-symbol:positions</c>: an account snapshot holds two positions on one symbol (one-way mode).</summary>
    DuplicateSymbol,
}

/// <summary>
/// The outcome of decoding one message: valid, or the reason it goes to the dead-letter topic. A struct so the
/// valid path allocates nothing; the reason code and the human detail are built only for refused messages.
/// <c>default</c> is <see cref="Valid"/>.
/// </summary>
public readonly struct DecodeResult
{
    private readonly string? _detail;

    internal DecodeResult(WireProblem problem, string? field, string? detail)
    {
        Problem = problem;
        Field = field;
        _detail = detail;
    }

    public static DecodeResult Valid => default;

    public bool IsValid => Problem == WireProblem.None;

    public WireProblem Problem { get; }

    /// <summary>The wire field at fault (<c>price</c>, <c>seq</c>, <c>bids</c>), or null for message-level problems.</summary>
    public string? Field { get; }

    /// <summary>One human-readable line; empty when valid.</summary>
    public string Detail => _detail ?? string.Empty;

    /// <summary>The machine-readable reason code, e.g. <c>not-finite:price</c> or <c>unknown-symbol</c>; empty when valid.</summary>
    public string Reason => Field is null ? WireReasons.CodeOf(Problem) : WireReasons.CodeOf(Problem) + ":" + Field;

    public override string ToString() => IsValid ? "valid" : Reason + " (" + Detail + ")";
}

/// <summary>
/// Reason codes of the <c>streamrisk-reason</c> dead-letter header. Field-level problems carry the field after a
/// colon (<c>wrong-type:price</c>). Codes are stable: consumers of the dead-letter topic match on them.
/// </summary>
public static class WireReasons
{
    public const string BadJson = "bad-json";
    public const string TooLarge = "too-large";
    public const string TooDeep = "too-deep";
    public const string UnsupportedVersion = "unsupported-version";
    public const string UnknownType = "unknown-type";
    public const string UnknownSymbol = "unknown-symbol";
    public const string Missing = "missing";
    public const string Duplicate = "duplicate";
    public const string WrongType = "wrong-type";
    public const string BadNumber = "bad-number";
    public const string NotInteger = "not-integer";
    public const string NotFinite = "not-finite";
    public const string Negative = "negative";
    public const string Zero = "zero";
    public const string OffTick = "off-tick";
    public const string OutOfRange = "out-of-range";
    public const string BadValue = "bad-value";
    public const string TooMany = "too-many";
    public const string TooLong = "too-long";
    public const string BadUtf8 = "bad-utf8";
    public const string DuplicateLevel = "duplicate-level";
    public const string DuplicateSymbol = "duplicate-symbol";

    /// <summary>Not a decoder verdict: the engine's, for a positions message whose <c>seq</c> does not follow the account's last (see <see cref="AccountSequences"/>).</summary>
    public const string OutOfOrderSeq = "out-of-order-seq";

    public static string CodeOf(WireProblem problem) => problem switch
    {
        WireProblem.None => string.Empty,
        WireProblem.BadJson => BadJson,
        WireProblem.TooLarge => TooLarge,
        WireProblem.TooDeep => TooDeep,
        WireProblem.UnsupportedVersion => UnsupportedVersion,
        WireProblem.UnknownType => UnknownType,
        WireProblem.UnknownSymbol => UnknownSymbol,
        WireProblem.Missing => Missing,
        WireProblem.Duplicate => Duplicate,
        WireProblem.WrongType => WrongType,
        WireProblem.BadNumber => BadNumber,
        WireProblem.NotInteger => NotInteger,
        WireProblem.NotFinite => NotFinite,
        WireProblem.Negative => Negative,
        WireProblem.Zero => Zero,
        WireProblem.OffTick => OffTick,
        WireProblem.OutOfRange => OutOfRange,
        WireProblem.BadValue => BadValue,
        WireProblem.TooMany => TooMany,
        WireProblem.TooLong => TooLong,
        WireProblem.BadUtf8 => BadUtf8,
        WireProblem.DuplicateLevel => DuplicateLevel,
        WireProblem.DuplicateSymbol => DuplicateSymbol,
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
    };
}
