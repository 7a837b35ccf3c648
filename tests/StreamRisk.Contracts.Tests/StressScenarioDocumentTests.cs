using System.Text;
using System.Text.Json;
using StreamRisk.Contracts.Documents;
using StreamRisk.Domain;

namespace StreamRisk.Contracts.Tests;

public sealed class StressScenarioDocumentTests
{
    [Fact]
    public void Parse_MovesAndFactor_ReadInDocumentOrder()
    {
        var scenarios = Parse("""
            {"description":"mine","scenarios":[
              {"name":"s1","moves":{"BTCUSDT":-0.031,"ETHUSDT":0.02}},
              {"name":"f1","description":"d","source":"s","factor":{"reference":"BTCUSDT","move":-0.05,"betas":{"ETHUSDT":1.2,"SOLUSDT":-0.5}}},
              {"name":"f2","factor":{"reference":"BTCUSDT","move":0.1}}
            ]}
            """);

        Assert.Equal(3, scenarios.Count);
        Assert.Equal("s1", scenarios[0].Name);
        Assert.Null(scenarios[0].Factor);
        Assert.Equal([new SymbolMove(new Symbol("BTCUSDT"), -0.031), new SymbolMove(new Symbol("ETHUSDT"), 0.02)], scenarios[0].Moves!);
        var factor = scenarios[1].Factor!;
        Assert.Null(scenarios[1].Moves);
        Assert.Equal("d", scenarios[1].Description);
        Assert.Equal("s", scenarios[1].Source);
        Assert.Equal(new Symbol("BTCUSDT"), factor.Reference);
        Assert.Equal(-0.05, factor.Move);
        Assert.Equal([new SymbolBeta(new Symbol("ETHUSDT"), 1.2), new SymbolBeta(new Symbol("SOLUSDT"), -0.5)], factor.Betas);
        Assert.Empty(scenarios[2].Factor!.Betas);
        Assert.Null(scenarios[2].Description);
    }

    [Fact]
    public void Read_ProjectDocumentElement_ReusableWithItsPath()
    {
        using var document = JsonDocument.Parse("""{"scenarios":[{"name":"s1","moves":{"BTCUSDT":-0.031}},{"name":"f1","factor":{"reference":"BTCUSDT","move":-1}}]}""");
        var array = document.RootElement.GetProperty("scenarios");

        var first = ScenarioDocument.Read(array[0], "scenarios[0]");
        var error = Assert.Throws<DocumentException>(() => ScenarioDocument.ReadList(array, "scenarios"));

        Assert.Equal("s1", first.Name);
        Assert.Equal("scenarios[1].factor.move", error.Path);
    }

    [Theory]
    [InlineData("""[]""", "$")]
    [InlineData("""{"scenarios":{}}""", "scenarios")]
    [InlineData("""{"scenario":[]}""", "scenario")]
    [InlineData("""{"scenarios":[1]}""", "scenarios[0]")]
    [InlineData("""{"scenarios":[{"moves":{"BTCUSDT":-0.1}}]}""", "scenarios[0].name")]
    [InlineData("""{"scenarios":[{"name":"  ","moves":{"BTCUSDT":-0.1}}]}""", "scenarios[0].name")]
    [InlineData("""{"scenarios":[{"name":" a","moves":{"BTCUSDT":-0.1}}]}""", "scenarios[0].name")]
    [InlineData("""{"scenarios":[{"name":42,"moves":{"BTCUSDT":-0.1}}]}""", "scenarios[0].name")]
    [InlineData("""{"scenarios":[{"name":"a"}]}""", "scenarios[0]")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":-0.1},"factor":{"reference":"BTCUSDT","move":-0.1}}]}""", "scenarios[0]")]
    [InlineData("""{"scenarios":[{"name":"a","move":{"BTCUSDT":-0.1}}]}""", "scenarios[0].move")]
    [InlineData("""{"scenarios":[{"name":"a","moves":[-0.1]}]}""", "scenarios[0].moves")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{}}]}""", "scenarios[0].moves")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":-1}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":-1.5}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":11}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":1e308}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":1e400}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":"-0.1"}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":null}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"":-0.1}}]}""", "scenarios[0].moves.")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"BTCUSDT":-0.1,"BTCUSDT":-0.2}}]}""", "scenarios[0].moves.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","factor":[]}]}""", "scenarios[0].factor")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"move":-0.1}}]}""", "scenarios[0].factor.reference")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT"}}]}""", "scenarios[0].factor.move")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT","move":-1}}]}""", "scenarios[0].factor.move")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT","move":-0.1,"beta":{}}}]}""", "scenarios[0].factor.beta")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT","move":-0.1,"betas":{"ETHUSDT":1e9}}}]}""", "scenarios[0].factor.betas.ETHUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT","move":-0.2,"betas":{"ETHUSDT":5}}}]}""", "scenarios[0].factor.betas.ETHUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","factor":{"reference":"BTCUSDT","move":-0.2,"betas":{"BTCUSDT":1.5}}}]}""", "scenarios[0].factor.betas.BTCUSDT")]
    [InlineData("""{"scenarios":[{"name":"a","moves":{"X":-0.1}},{"name":"A","moves":{"X":-0.1}}]}""", "scenarios[1].name")]
    public void Parse_BadDocument_NamesTheField(string json, string path)
    {
        var error = Assert.Throws<DocumentException>(() => Parse(json));

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("crash\u001b[2J")]
    [InlineData("crash\r\nalert raised")]
    [InlineData("crash\u202egnp.exe")]
    [InlineData("zero\u200bwidth")]
    [InlineData("tab\there")]
    public void Parse_HostileName_Refused(string name)
    {
        var json = JsonSerializer.Serialize(new { scenarios = new[] { new { name, moves = new Dictionary<string, double> { ["BTCUSDT"] = -0.1 } } } });

        var error = Assert.Throws<DocumentException>(() => Parse(json));

        Assert.Equal("scenarios[0].name", error.Path);
        Assert.Contains("control or formatting", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_QuotesAndNonAsciiInName_Kept()
    {
        const string name = "Crash \"Q\" \\ é € 😀";
        var json = JsonSerializer.Serialize(new { scenarios = new[] { new { name, moves = new Dictionary<string, double> { ["BTCUSDT"] = -0.1 } } } });

        Assert.Equal(name, Parse(json)[0].Name);
    }

    [Fact]
    public void Parse_LongNameOrTooManyScenarios_Refused()
    {
        var longName = JsonSerializer.Serialize(new { scenarios = new[] { new { name = new string('n', 101), moves = new Dictionary<string, double> { ["X"] = -0.1 } } } });
        string Scenarios(int count) => JsonSerializer.Serialize(new
        {
            scenarios = Enumerable.Range(0, count).Select(i => new { name = "s" + i, moves = new Dictionary<string, double> { ["X"] = -0.1 } }),
        });

        Assert.Equal("scenarios[0].name", Assert.Throws<DocumentException>(() => Parse(longName)).Path);
        Assert.Equal("scenarios", Assert.Throws<DocumentException>(() => Parse(Scenarios(1_001))).Path);
        Assert.Equal(1_000, Parse(Scenarios(1_000)).Count);
    }

    [Fact]
    public void Parse_NotJson_OneLineAtTheRoot()
    {
        var error = Assert.Throws<DocumentException>(() => Parse("{\"scenarios\":[{\"name\":"));

        Assert.Equal("$", error.Path);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static IReadOnlyList<ScenarioDocument> Parse(string json) => StressScenarioFile.Parse(Encoding.UTF8.GetBytes(json));
}
