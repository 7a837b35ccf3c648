using System.Text.Json;
using StreamRisk.Domain;
using StreamRisk.Domain.Instruments;
using StreamRisk.Domain.Margin;

namespace StreamRisk.Contracts.Documents;

/// <summary>
/// The multi-instrument input of <c>streamrisk project</c> (told from the single-instrument document by its
/// <c>instruments</c> array): instruments with their marks and L2 books, one insurance fund, the accounts (positions on
/// any listed instrument) and the scenarios to project over the whole price vector.
/// </summary>
public sealed class PortfolioRequest
{
    /// <summary>The contagion move when the document gives none: each instrument alone, 5% down and 5% up.</summary>
    public const double DefaultContagionMove = 0.05;

    /// <summary>Critical accounts reported when the document does not say.</summary>
    public const int DefaultCriticalAccounts = 5;

    /// <summary>The most critical accounts a document may ask for.</summary>
    public const int MaxCriticalAccounts = 1_000;

    private PortfolioRequest(MarginProfile profile, InstrumentCatalog catalog, double[] marks, (double, double)[][] bids, (double, double)[][] asks,
        double insuranceFund, IReadOnlyList<AccountDocument> accounts, IReadOnlyList<ScenarioDocument> scenarios, double contagionMove, int criticalAccounts)
    {
        Profile = profile;
        Catalog = catalog;
        Marks = marks;
        Bids = bids;
        Asks = asks;
        InsuranceFund = insuranceFund;
        Accounts = accounts;
        Scenarios = scenarios;
        ContagionMove = contagionMove;
        CriticalAccounts = criticalAccounts;
    }

    public MarginProfile Profile { get; }

    /// <summary>The instruments in document order: instrument i of the catalog is <c>instruments[i]</c>.</summary>
    public InstrumentCatalog Catalog { get; }

    /// <summary>Per instrument (catalog order), its mark.</summary>
    public IReadOnlyList<double> Marks { get; }

    /// <summary>Per instrument, its bids best first (empty when the document has no book for it).</summary>
    public IReadOnlyList<(double Price, double Quantity)[]> Bids { get; }

    /// <summary>Per instrument, its asks best first.</summary>
    public IReadOnlyList<(double Price, double Quantity)[]> Asks { get; }

    public double InsuranceFund { get; }

    public IReadOnlyList<AccountDocument> Accounts { get; }

    /// <summary>The scenarios, each checked against the instruments (every symbol it names is listed).</summary>
    public IReadOnlyList<ScenarioDocument> Scenarios { get; }

    /// <summary>The move each instrument makes alone for the contagion table, a fraction in (0, 1).</summary>
    public double ContagionMove { get; }

    /// <summary>How many critical accounts to report.</summary>
    public int CriticalAccounts { get; }

    /// <summary>
    /// True when <paramref name="utf8"/> is a JSON object with an <c>instruments</c> member: the multi-instrument form.
    /// Anything else (including text that is not JSON) is left to the single-instrument reader and its errors.
    /// </summary>
    public static bool IsPortfolio(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("instruments", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Parses and validates the whole document; a <see cref="DocumentException"/> names the first bad field.</summary>
    public static PortfolioRequest Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonFields.ParseObject(utf8);
        {
            var root = document.RootElement;
            var profile = LiquidationPriceRequest.ReadProfile(root);
            var catalog = LiquidationPriceRequest.ReadInstruments(root);
            if (catalog.Count == 0)
            {
                throw new DocumentException("instruments", "at least one instrument is required");
            }

            var marks = ReadMarks(root, catalog);
            var (bids, asks) = ReadBooks(root, catalog);
            var fund = JsonFields.OptionalNumber(root, "insuranceFund", string.Empty, NumberRule.NonNegative) ?? 0;
            var accounts = ReadAccounts(root, catalog);
            var scenarios = ReadScenarios(root, catalog);
            var contagionMove = JsonFields.OptionalNumber(root, "contagionMove", string.Empty) ?? DefaultContagionMove;
            if (!(contagionMove > 0 && contagionMove < 1))
            {
                throw new DocumentException("contagionMove", "a move is a fraction in (0, 1), e.g. 0.05 for 5%");
            }

            var critical = JsonFields.OptionalNumber(root, "criticalAccounts", string.Empty) ?? DefaultCriticalAccounts;
            if (critical < 0 || critical > MaxCriticalAccounts || critical != Math.Floor(critical))
            {
                throw new DocumentException("criticalAccounts", $"expected a whole number from 0 to {MaxCriticalAccounts}");
            }

            return new PortfolioRequest(profile, catalog, marks, bids, asks, fund, accounts, scenarios, contagionMove, (int)critical);
        }
    }

    private static double[] ReadMarks(JsonElement root, InstrumentCatalog catalog)
    {
        var element = JsonFields.Object(root, "marks", string.Empty);
        var marks = new double[catalog.Count];
        foreach (var property in element.EnumerateObject())
        {
            var path = JsonFields.Join("marks", property.Name);
            _ = IndexOf(catalog, property.Name, path);
        }

        for (var i = 0; i < catalog.Count; i++)
        {
            marks[i] = JsonFields.Number(element, catalog[i].Symbol.Value, "marks", NumberRule.Positive);
        }

        return marks;
    }

    private static ((double, double)[][] Bids, (double, double)[][] Asks) ReadBooks(JsonElement root, InstrumentCatalog catalog)
    {
        var bids = new (double, double)[catalog.Count][];
        var asks = new (double, double)[catalog.Count][];
        for (var i = 0; i < catalog.Count; i++)
        {
            bids[i] = [];
            asks[i] = [];
        }

        if (!root.TryGetProperty("books", out var books) || books.ValueKind == JsonValueKind.Null)
        {
            return (bids, asks);
        }

        if (books.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException("books", "expected an object of books by symbol");
        }

        foreach (var property in books.EnumerateObject())
        {
            var path = JsonFields.Join("books", property.Name);
            var index = IndexOf(catalog, property.Name, path);
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw new DocumentException(path, "expected an object");
            }

            bids[index] = ProjectionRequest.ReadLevels(property.Value, "bids", path);
            asks[index] = ProjectionRequest.ReadLevels(property.Value, "asks", path);
            Array.Sort(bids[index], (a, b) => b.Item1.CompareTo(a.Item1));
            Array.Sort(asks[index], (a, b) => a.Item1.CompareTo(b.Item1));
        }

        return (bids, asks);
    }

    private static List<AccountDocument> ReadAccounts(JsonElement root, InstrumentCatalog catalog)
    {
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

        return accounts;
    }

    private static IReadOnlyList<ScenarioDocument> ReadScenarios(JsonElement root, InstrumentCatalog catalog)
    {
        if (!root.TryGetProperty("scenarios", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var scenarios = ScenarioDocument.ReadList(element, "scenarios");
        for (var i = 0; i < scenarios.Count; i++)
        {
            var path = JsonFields.Index("scenarios", i);
            var scenario = scenarios[i];
            foreach (var move in scenario.Moves ?? [])
            {
                _ = IndexOf(catalog, move.Symbol.Value, JsonFields.Join(JsonFields.Join(path, "moves"), move.Symbol.Value));
            }

            if (scenario.Factor is { } factor)
            {
                var at = JsonFields.Join(path, "factor");
                _ = IndexOf(catalog, factor.Reference.Value, JsonFields.Join(at, "reference"));
                foreach (var beta in factor.Betas)
                {
                    _ = IndexOf(catalog, beta.Symbol.Value, JsonFields.Join(JsonFields.Join(at, "betas"), beta.Symbol.Value));
                }
            }
        }

        return scenarios;
    }

    private static int IndexOf(InstrumentCatalog catalog, string symbol, string path) =>
        catalog.TryGetIndex(new Symbol(symbol), out var index) ? index : throw new DocumentException(path, $"unknown symbol '{symbol}' (not among the instruments)");
}

/// <summary>Output of <c>streamrisk project</c> for a multi-instrument document.</summary>
public sealed record PortfolioResult(
    IReadOnlyList<PortfolioScenarioResult> Scenarios,
    IReadOnlyList<ContagionResult> Contagion,
    CriticalShockResult SystemCriticalShock,
    IReadOnlyList<CriticalAccountResult> CriticalAccounts);

/// <summary>One scenario over every instrument. <c>rounds[].instruments</c> lists only the instruments with flow in the round.</summary>
public sealed record PortfolioScenarioResult(
    string Name,
    IReadOnlyList<InstrumentOutcomeResult> Instruments,
    IReadOnlyList<PortfolioRoundResult> Rounds,
    int LiquidatedAccounts,
    double InsuranceFundAfter,
    double AdlNotional);

public sealed record InstrumentOutcomeResult(
    string Symbol,
    double Mark,
    double TargetPrice,
    double FinalPrice,
    int LiquidatedPositions,
    double LiquidatedLongSize,
    double LiquidatedShortSize,
    double LiquidatedNotional,
    bool BookExhausted,
    double Unfilled,
    double AdlNotional);

public sealed record PortfolioRoundResult(int Accounts, IReadOnlyList<RoundFlowResult> Instruments);

/// <summary>One instrument's flow in a round; <c>price</c> is the trigger price the round used; vwap/lastPrice null when no book level was touched.</summary>
public sealed record RoundFlowResult(string Symbol, double Price, double Sold, double Bought, double? Vwap, double? LastPrice);

/// <summary>What <c>From</c> moving alone by <c>Move</c> (signed) did to every other instrument.</summary>
public sealed record ContagionResult(string From, string Direction, double Move, IReadOnlyList<ContagionEffectResult> To);

public sealed record ContagionEffectResult(string Symbol, double Move, double LiquidatedNotional);

/// <summary>An account whose forced liquidation at the marks liquidates others; <c>instruments</c> are where its chain liquidates.</summary>
public sealed record CriticalAccountResult(string Account, double AdditionalNotional, IReadOnlyList<string> Instruments);

/// <summary>Output of <c>streamrisk stress --json</c>: the state the scenarios were applied to, and each scenario's system outcome.</summary>
public sealed record StressResult(StressStateResult State, IReadOnlyList<StressScenarioResult> Scenarios);

/// <summary>The state: where it came from, its event time (null for a document), its instruments, accounts and insurance fund.</summary>
public sealed record StressStateResult(string Source, long? At, IReadOnlyList<string> Instruments, int Accounts, double InsuranceFund);

/// <summary>One scenario's system outcome; a skipped scenario has a reason and nothing else.</summary>
public sealed record StressScenarioResult(
    string Name,
    string? Skipped,
    IReadOnlyList<StressInstrumentResult> Instruments,
    int LiquidatedAccounts,
    double InsuranceFundAfter,
    double AdlNotional);

/// <summary>Per instrument: the final move (a signed fraction of the mark), the final price, the notional liquidated, book exhausted.</summary>
public sealed record StressInstrumentResult(string Symbol, double Move, double FinalPrice, double LiquidatedNotional, bool BookExhausted);
