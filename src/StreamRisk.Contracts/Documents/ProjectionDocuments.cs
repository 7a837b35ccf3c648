using System.Text.Json;
using StreamRisk.Domain.Cascades;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Contracts.Documents;

/// <summary>
/// The input of <c>streamrisk project</c>: one instrument, its mark and L2 book, the insurance fund, the accounts
/// holding it, the shocks to project and the direction(s).
/// </summary>
public sealed class ProjectionRequest
{
    private const int MaxLevels = 100_000;
    private const int MaxShocks = 1_000;

    private ProjectionRequest(MarginProfile profile, Instrument instrument, double mark, (double, double)[] bids, (double, double)[] asks,
        double insuranceFund, IReadOnlyList<AccountDocument> accounts, double[] shocks, CascadeDirection[] directions, AdlRanking adlRanking, InstrumentCatalog catalog,
        double? bookHorizon)
    {
        BookHorizon = bookHorizon;
        Profile = profile;
        Instrument = instrument;
        Mark = mark;
        Bids = bids;
        Asks = asks;
        InsuranceFund = insuranceFund;
        Accounts = accounts;
        Shocks = shocks;
        Directions = directions;
        AdlRanking = adlRanking;
        Catalog = catalog;
    }

    public MarginProfile Profile { get; }
    public Instrument Instrument { get; }
    public double Mark { get; }
    public IReadOnlyList<(double Price, double Quantity)> Bids { get; }
    public IReadOnlyList<(double Price, double Quantity)> Asks { get; }
    public double InsuranceFund { get; }
    public IReadOnlyList<AccountDocument> Accounts { get; }
    public IReadOnlyList<double> Shocks { get; }
    public IReadOnlyList<CascadeDirection> Directions { get; }
    public AdlRanking AdlRanking { get; }
    /// <summary>The one instrument, at index 0.</summary>
    public InstrumentCatalog Catalog { get; }

    /// <summary>
    /// <c>book.horizon</c>: how far from the mark (a fraction of it, in (0, 1)) the book is known on each side; past it
    /// each side continues on the fitted depth model. Null (absent): the book is complete.
    /// </summary>
    public double? BookHorizon { get; }

    /// <summary>Parses and validates the whole document; a <see cref="DocumentException"/> names the first bad field.</summary>
    public static ProjectionRequest Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonFields.ParseObject(utf8);
        {
            var root = document.RootElement;

            var profile = LiquidationPriceRequest.ReadProfile(root);
            var instrument = InstrumentDocument.Read(JsonFields.Object(root, "instrument", string.Empty), "instrument");
            var catalog = new InstrumentCatalog();
            catalog.Upsert(instrument);
            var mark = JsonFields.Number(root, "mark", string.Empty, NumberRule.Positive);
            var book = JsonFields.Object(root, "book", string.Empty);
            var bids = ReadLevels(book, "bids", "book");
            var asks = ReadLevels(book, "asks", "book");
            var horizon = JsonFields.OptionalNumber(book, "horizon", "book", NumberRule.Positive);
            if (horizon >= 1)
            {
                throw new DocumentException("book.horizon", "must be less than 1 (a fraction of the mark)");
            }

            // Best first: bids high to low, asks low to high (a hand-typed book need not be sorted).
            Array.Sort(bids, (a, b) => b.Item1.CompareTo(a.Item1));
            Array.Sort(asks, (a, b) => a.Item1.CompareTo(b.Item1));
            var fund = JsonFields.OptionalNumber(root, "insuranceFund", string.Empty, NumberRule.NonNegative) ?? 0;

            var accounts = new List<AccountDocument>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var i = 0;
            foreach (var element in JsonFields.Array(root, "accounts", string.Empty).EnumerateArray())
            {
                var path = JsonFields.Index("accounts", i++);
                var account = AccountDocument.Read(element, path, catalog, markRequired: false);
                if (!ids.Add(account.Id.Value))
                {
                    throw new DocumentException(JsonFields.Join(path, "id"), $"account '{account.Id}' is listed twice");
                }

                accounts.Add(account);
            }

            var shocks = ReadShocks(root);
            var directionText = JsonFields.OptionalString(root, "direction", string.Empty) ?? "both";
            CascadeDirection[] directions = directionText.ToUpperInvariant() switch
            {
                "DOWN" => [CascadeDirection.Down],
                "UP" => [CascadeDirection.Up],
                "BOTH" => [CascadeDirection.Down, CascadeDirection.Up],
                _ => throw new DocumentException("direction", $"'{directionText}' is not a direction (down, up, both)"),
            };
            var rankingText = JsonFields.OptionalString(root, "adlRanking", string.Empty);
            var ranking = rankingText is null ? DefaultRanking(profile) : rankingText.ToUpperInvariant() switch
            {
                "PNL-LEVERAGE" => AdlRanking.PnlTimesLeverage,
                "HYPERLIQUID" => AdlRanking.Hyperliquid,
                "PRO-RATA" => AdlRanking.ProRata,
                _ => throw new DocumentException("adlRanking", $"'{rankingText}' is not an ADL ranking (pnl-leverage, hyperliquid, pro-rata)"),
            };
            return new ProjectionRequest(profile, instrument, mark, bids, asks, fund, accounts, shocks, directions, ranking, catalog, horizon);
        }
    }

    /// <summary>Hyperliquid ranks ADL its own way; every other profile uses the BitMEX-style PnL × leverage ranking.</summary>
    public static AdlRanking DefaultRanking(MarginProfile profile) =>
        profile == MarginProfile.Hyperliquid ? AdlRanking.Hyperliquid : AdlRanking.PnlTimesLeverage;

    /// <summary>One side of a book at <paramref name="bookPath"/>: <c>[[price, quantity], ..]</c>, in the order given.</summary>
    internal static (double, double)[] ReadLevels(JsonElement book, string side, string bookPath)
    {
        var path = JsonFields.Join(bookPath, side);
        var array = JsonFields.Array(book, side, bookPath);
        if (array.GetArrayLength() > MaxLevels)
        {
            throw new DocumentException(path, $"more than {MaxLevels} levels");
        }

        var levels = new (double, double)[array.GetArrayLength()];
        var i = 0;
        foreach (var level in array.EnumerateArray())
        {
            var at = JsonFields.Index(path, i);
            if (level.ValueKind != JsonValueKind.Array || level.GetArrayLength() != 2)
            {
                throw new DocumentException(at, "expected [price, quantity]");
            }

            var price = LevelNumber(level[0], at + "[0]");
            var quantity = LevelNumber(level[1], at + "[1]");
            if (price <= 0)
            {
                throw new DocumentException(at + "[0]", "price must be greater than 0");
            }

            if (quantity < 0)
            {
                throw new DocumentException(at + "[1]", "quantity must not be negative");
            }

            levels[i++] = (price, quantity);
        }

        return levels;
    }

    private static double LevelNumber(JsonElement value, string path)
    {
        // Venue books often carry decimal strings ("64012.5"); accept both forms.
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && Math.Abs(number) <= JsonFields.MaxMagnitude)
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out number) && Math.Abs(number) <= JsonFields.MaxMagnitude)
        {
            return number;
        }

        throw new DocumentException(path, "expected a finite number of magnitude at most 1e15");
    }

    private static double[] ReadShocks(JsonElement root)
    {
        if (!root.TryGetProperty("shocks", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [.. CascadeShocks.DefaultGrid];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new DocumentException("shocks", "expected an array of fractions, e.g. [0.01, 0.02]");
        }

        if (element.GetArrayLength() > MaxShocks)
        {
            throw new DocumentException("shocks", $"more than {MaxShocks} shocks");
        }

        var shocks = new double[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = JsonFields.Index("shocks", i);
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var shock) || !double.IsFinite(shock))
            {
                throw new DocumentException(at, "expected a number");
            }

            if (shock <= 0 || shock >= 1)
            {
                throw new DocumentException(at, "a shock is a fraction in (0, 1), e.g. 0.02 for 2%");
            }

            shocks[i++] = shock;
        }

        return shocks;
    }

}

/// <summary>Output of <c>streamrisk project</c>.</summary>
public sealed record ProjectionResult(
    string Symbol,
    double Mark,
    IReadOnlyList<ShockProjectionResult> Projections,
    CriticalShockResult CriticalShock,
    IReadOnlyList<SystemicAccountResult> SystemicAccounts);

/// <summary>One shock's cascade. <c>rounds[].price</c> is the trigger price the round used.</summary>
public sealed record ShockProjectionResult(
    double Shock,
    string Direction,
    double TargetPrice,
    double FinalPrice,
    double Amplification,
    IReadOnlyList<RoundResult> Rounds,
    double LiquidatedSize,
    double LiquidatedNotional,
    int LiquidatedAccounts,
    double InsuranceFundAfter,
    double AdlNotional,
    int AdlAccounts,
    bool BookExhausted,
    double Unfilled,
    double ModelledNotional,
    bool LeftKnownBook);

public sealed record RoundResult(double Price, double Size, double Notional, int Accounts, double? Vwap, double? LastPrice, double Filled);

/// <summary>Smallest 0.1%-step shock in [0.1%, 50%] that amplifies ≥ 2× or exhausts the book; null when none does.</summary>
public sealed record CriticalShockResult(double? Down, double? Up);

public sealed record SystemicAccountResult(
    string Account,
    double Size,
    double Notional,
    double ImpactPrice,
    double FinalPrice,
    double AdditionalSize,
    double AdditionalNotional,
    int AdditionalAccounts,
    bool BookExhausted);
