using StreamRisk.Reporting.Export;

namespace StreamRisk.Reporting.Tests;

/// <summary>
/// One reader of a <c>projections.ndjson</c> symbol line serves both the export (strict: a field it does not know would
/// be a column dropped) and the report (lenient: a file a later replay wrote, with fields and bands added, still charts).
/// </summary>
public sealed class ProjectionLineReaderTests : IDisposable
{
    private const string LaterLine =
        "{\"symbol\":\"BTCUSDT\",\"eventTime\":1723161255123,\"mark\":60000.5,\"criticalShockDown\":0.031,\"criticalShockUp\":null,"
        + "\"liquidatable\":{\"down1\":10,\"down2\":30,\"down5\":60,\"up1\":1,\"up2\":2,\"up5\":4,\"down10\":99},\"depth1\":5000,"
        + "\"addedLater\":{\"nested\":[1,2]}}";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("projection-lines-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void LineWithFieldsAndBandsAddedLater_ReportReadsIt_ExportRefusesIt()
    {
        var path = Path.Combine(_dir.FullName, "projections.ndjson");
        File.WriteAllText(path, LaterLine + "\n");

        var (symbols, _) = ReportInputs.ReadProjections(path);
        var series = Assert.Single(symbols).Value;
        Assert.Equal("BTCUSDT", series.Symbol);

        var refused = Assert.Throws<InvalidDataException>(() => ProjectionRow.ReadAll(path).ToList());
        Assert.Contains("unknown band liquidatable.down10", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Lenient_KnownFieldsAsTheStrictReaderReadsThem()
    {
        var known = LaterLine.Replace(",\"down10\":99", string.Empty, StringComparison.Ordinal)
            .Replace(",\"addedLater\":{\"nested\":[1,2]}", string.Empty, StringComparison.Ordinal);

        var lenient = ProjectionRow.Parse(System.Text.Encoding.UTF8.GetBytes(LaterLine), strict: false);
        var strict = ProjectionRow.Parse(System.Text.Encoding.UTF8.GetBytes(known));

        Assert.Equal(strict, lenient);
        Assert.Equal(0.031, lenient.CriticalShockDown);
        Assert.Null(lenient.CriticalShockUp);
        Assert.Equal(60, lenient.Down5);
        Assert.Throws<InvalidDataException>(() => ProjectionRow.Parse("{\"symbol\":\"X\",\"eventTime\":1}"u8, strict: false));
    }
}
