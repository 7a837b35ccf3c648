namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Compares identifiers as raw UTF-8 bytes, and lets a <c>Dictionary&lt;byte[], int&gt;</c> be probed with a
/// <see cref="ReadOnlySpan{T}"/> of bytes through <see cref="Dictionary{TKey, TValue}.GetAlternateLookup{TAlternateKey}"/>
/// (.NET 9+): a lookup straight from a message's bytes allocates nothing; a key array is made only when one is added.
/// </summary>
internal sealed class Utf8KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly Utf8KeyComparer Instance = new();

    private Utf8KeyComparer()
    {
    }

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    // HashCode is seeded per process, so crafted ids cannot be chosen to collide in advance.
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
