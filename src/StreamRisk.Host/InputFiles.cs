namespace StreamRisk.Host;

/// <summary>Reads a verb's input document from a file or, for "-" or no argument, from stdin.</summary>
internal static class InputFiles
{
    /// <summary>Input documents larger than this are refused: they are hand-written or scripted, never bulk data.</summary>
    public const int MaxDocumentBytes = 256 * 1024 * 1024;

    public static async Task<byte[]> ReadAllAsync(string? path, CancellationToken cancel)
    {
        if (string.IsNullOrEmpty(path) || path == "-")
        {
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            await stdin.CopyToAsync(buffer, cancel).ConfigureAwait(false);
            return Limit(buffer.ToArray(), "stdin");
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file");
        }

        if (new FileInfo(path).Length > MaxDocumentBytes)
        {
            throw new UsageException($"{path}: larger than {MaxDocumentBytes / (1024 * 1024)} MiB");
        }

        return await File.ReadAllBytesAsync(path, cancel).ConfigureAwait(false);
    }

    private static byte[] Limit(byte[] bytes, string source) =>
        bytes.Length <= MaxDocumentBytes ? bytes : throw new UsageException($"{source}: larger than {MaxDocumentBytes / (1024 * 1024)} MiB");
}
