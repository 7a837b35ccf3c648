using System.Globalization;
using System.Text.Json;
using StreamRisk.Domain;

namespace StreamRisk.Contracts.Documents;

/// <summary>One instrument's move in an explicit scenario: the price becomes mark × (1 + move).</summary>
public readonly record struct SymbolMove(Symbol Symbol, double Move);

/// <summary>A fixed β for one instrument in a factor scenario: it moves by β × the reference's move.</summary>
public readonly record struct SymbolBeta(Symbol Symbol, double Beta);

/// <summary>
/// A factor scenario: <see cref="Reference"/> moves by <see cref="Move"/>, every other instrument by β × move, with β
/// from <see cref="Betas"/> when listed, else the live estimate (the engine) or 1 (<c>project</c>).
/// </summary>
public sealed record FactorScenario(Symbol Reference, double Move, IReadOnlyList<SymbolBeta> Betas);

/// <summary>
/// A named scenario: explicit <see cref="Moves"/> per symbol (unnamed instruments do not move), or a
/// <see cref="Factor"/> move; exactly one of the two is set. The element shape of the shipped stress scenarios file
/// (docs/stress-scenarios.md) and of the <c>project</c> document's <c>scenarios</c> array:
/// <c>{"name":"s1","moves":{"BTCUSDT":-0.031}}</c> or
/// <c>{"name":"f1","factor":{"reference":"BTCUSDT","move":-0.05,"betas":{"ETHUSDT":1.2}}}</c>, each with an optional
/// <c>description</c> and <c>source</c>.
/// </summary>
public sealed record ScenarioDocument(string Name, IReadOnlyList<SymbolMove>? Moves, FactorScenario? Factor, string? Description, string? Source)
{
    /// <summary>Most scenarios in one list.</summary>
    public const int MaxScenarios = 1_000;

    /// <summary>Most symbols in one scenario's moves or betas.</summary>
    public const int MaxSymbols = 10_000;

    /// <summary>Longest scenario name, in UTF-16 code units.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest description or source, in UTF-16 code units.</summary>
    public const int MaxTextLength = 4_000;

    /// <summary>Largest move up: +1000%. Down, a move must stay above −1 (−100% would make a price 0).</summary>
    public const double MaxMove = 10;

    /// <summary>Largest |β| given in a factor scenario.</summary>
    public const double MaxBeta = 100;

    /// <summary>
    /// Reads and validates one scenario element at <paramref name="path"/> (e.g. <c>scenarios[2]</c>); a
    /// <see cref="DocumentException"/> names the first bad field.
    /// </summary>
    public static ScenarioDocument Read(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException(path, "expected a scenario object {\"name\":..,\"moves\":{..}} or {\"name\":..,\"factor\":{..}}");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name is not ("name" or "description" or "source" or "moves" or "factor"))
            {
                throw new DocumentException(JsonFields.Join(path, property.Name), "unknown field (a scenario has name, description, source, and moves or factor)");
            }
        }

        var name = ReadName(element, path);
        var description = ReadText(element, "description", path);
        var source = ReadText(element, "source", path);
        var hasMoves = element.TryGetProperty("moves", out var movesElement) && movesElement.ValueKind != JsonValueKind.Null;
        var hasFactor = element.TryGetProperty("factor", out var factorElement) && factorElement.ValueKind != JsonValueKind.Null;
        if (hasMoves == hasFactor)
        {
            throw new DocumentException(path, hasMoves
                ? "has both moves and factor (a scenario is one or the other)"
                : "needs moves ({\"SYMBOL\":move,..}) or factor ({\"reference\":..,\"move\":..})");
        }

        return hasMoves
            ? new ScenarioDocument(name, ReadMoves(movesElement, JsonFields.Join(path, "moves")), null, description, source)
            : new ScenarioDocument(name, null, ReadFactor(factorElement, JsonFields.Join(path, "factor")), description, source);
    }

    /// <summary>
    /// Reads a JSON array of scenarios at <paramref name="path"/>: at most <see cref="MaxScenarios"/>, names unique
    /// (ignoring case, so two scenarios never read alike).
    /// </summary>
    public static IReadOnlyList<ScenarioDocument> ReadList(JsonElement array, string path)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new DocumentException(path, "expected an array of scenarios");
        }

        if (array.GetArrayLength() > MaxScenarios)
        {
            throw new DocumentException(path, $"more than {MaxScenarios} scenarios");
        }

        var scenarios = new List<ScenarioDocument>(array.GetArrayLength());
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            var at = JsonFields.Index(path, i++);
            var scenario = Read(element, at);
            if (!names.Add(scenario.Name))
            {
                throw new DocumentException(JsonFields.Join(at, "name"), $"scenario '{scenario.Name}' is listed twice");
            }

            scenarios.Add(scenario);
        }

        return scenarios;
    }

    private static string ReadName(JsonElement element, string path)
    {
        var name = JsonFields.String(element, "name", path);
        var at = JsonFields.Join(path, "name");
        if (name.Length > MaxNameLength)
        {
            throw new DocumentException(at, $"longer than {MaxNameLength} characters");
        }

        // A name is shown in tables and alerts: control and formatting characters (line breaks, escapes, bidi
        // overrides) would forge or hide text there.
        if (HasHiddenCharacters(name))
        {
            throw new DocumentException(at, "must not contain control or formatting characters");
        }

        if (name.Trim().Length != name.Length)
        {
            throw new DocumentException(at, "must not start or end with spaces");
        }

        return name;
    }

    private static string? ReadText(JsonElement element, string field, string path)
    {
        var text = JsonFields.OptionalString(element, field, path);
        if (text is not null && text.Length > MaxTextLength)
        {
            throw new DocumentException(JsonFields.Join(path, field), $"longer than {MaxTextLength} characters");
        }

        return text;
    }

    private static SymbolMove[] ReadMoves(JsonElement element, string path)
    {
        var entries = SymbolNumbers(element, path, "a move per symbol, e.g. {\"BTCUSDT\":-0.05}");
        if (entries.Count == 0)
        {
            throw new DocumentException(path, "needs at least one symbol");
        }

        var moves = new SymbolMove[entries.Count];
        for (var i = 0; i < moves.Length; i++)
        {
            var (symbol, value) = entries[i];
            CheckMove(value, JsonFields.Join(path, symbol));
            moves[i] = new SymbolMove(new Symbol(symbol), value);
        }

        return moves;
    }

    private static FactorScenario ReadFactor(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException(path, "expected an object {\"reference\":\"BTCUSDT\",\"move\":-0.05,\"betas\":{..}}");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name is not ("reference" or "move" or "betas"))
            {
                throw new DocumentException(JsonFields.Join(path, property.Name), "unknown field (a factor has reference, move and betas)");
            }
        }

        var reference = JsonFields.String(element, "reference", path);
        var move = JsonFields.Number(element, "move", path);
        CheckMove(move, JsonFields.Join(path, "move"));

        var betas = new List<SymbolBeta>();
        if (element.TryGetProperty("betas", out var betasElement) && betasElement.ValueKind != JsonValueKind.Null)
        {
            var betasPath = JsonFields.Join(path, "betas");
            foreach (var (symbol, beta) in SymbolNumbers(betasElement, betasPath, "a beta per symbol, e.g. {\"ETHUSDT\":1.2}"))
            {
                var at = JsonFields.Join(betasPath, symbol);
                if (Math.Abs(beta) > MaxBeta)
                {
                    throw new DocumentException(at, $"a beta must be within ±{MaxBeta}");
                }

                if (symbol == reference)
                {
                    if (beta != 1)
                    {
                        throw new DocumentException(at, "the reference's beta is 1 (it moves by the factor's move itself)");
                    }

                    continue;
                }

                var implied = beta * move;
                if (!(implied > -1) || implied > MaxMove)
                {
                    throw new DocumentException(at, $"beta × move = {Format(implied)} (a move must be above -1 and at most {Format(MaxMove)})");
                }

                betas.Add(new SymbolBeta(new Symbol(symbol), beta));
            }
        }

        return new FactorScenario(new Symbol(reference), move, betas);
    }

    /// <summary>The members of an object of symbol → number, in document order; symbols non-empty and unique.</summary>
    private static List<(string Symbol, double Value)> SymbolNumbers(JsonElement element, string path, string expected)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DocumentException(path, $"expected an object of {expected}");
        }

        var entries = new List<(string, double)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (entries.Count == MaxSymbols)
            {
                throw new DocumentException(path, $"more than {MaxSymbols} symbols");
            }

            var at = JsonFields.Join(path, property.Name);
            if (string.IsNullOrWhiteSpace(property.Name))
            {
                throw new DocumentException(at, "a symbol must not be empty");
            }

            if (!seen.Add(property.Name))
            {
                throw new DocumentException(at, "symbol listed twice");
            }

            entries.Add((property.Name, JsonFields.NumberValue(property.Value, at)));
        }

        return entries;
    }

    private static void CheckMove(double move, string path)
    {
        if (move <= -1)
        {
            throw new DocumentException(path, "a move must be above -1 (-1 is -100%, a price of 0); e.g. -0.05 for 5% down");
        }

        if (move > MaxMove)
        {
            throw new DocumentException(path, $"a move must be at most {Format(MaxMove)} (+1000%); e.g. 0.05 for 5% up");
        }
    }

    private static bool HasHiddenCharacters(string text)
    {
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return true;
            }
        }

        return false;
    }

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>
/// The stress scenarios file (docs/stress-scenarios.md): <c>{"description":"..","scenarios":[scenario, ..]}</c>. The
/// product ships one as <see cref="ShippedPath"/> beside the executable; users may pass their own.
/// </summary>
public static class StressScenarioFile
{
    /// <summary>The shipped file, relative to the executable's folder.</summary>
    public const string ShippedPath = "scenarios/stress-scenarios.json";

    /// <summary>Parses and validates the whole file; a <see cref="DocumentException"/> names the first bad field.</summary>
    public static IReadOnlyList<ScenarioDocument> Parse(ReadOnlySpan<byte> utf8)
    {
        using (var document = JsonFields.ParseObject(utf8))
        {
            var root = document.RootElement;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("description" or "scenarios"))
                {
                    throw new DocumentException(property.Name, "unknown field (the file has description and scenarios)");
                }
            }

            _ = JsonFields.OptionalString(root, "description", string.Empty);
            return ScenarioDocument.ReadList(JsonFields.Array(root, "scenarios", string.Empty), "scenarios");
        }
    }
}
