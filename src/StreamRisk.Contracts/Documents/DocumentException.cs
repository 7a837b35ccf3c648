namespace StreamRisk.Contracts.Documents;

/// <summary>
/// Invalid input document. <see cref="Path"/> names the offending field the way a person would write it
/// (<c>account.positions[0].entry</c>) so a one-line error tells exactly what to fix.
/// </summary>
public sealed class DocumentException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
