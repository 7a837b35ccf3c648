using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace StreamRisk.Contracts.Wire;

/// <summary>
/// Why a message went to the dead-letter topic and where it came from. The dead-letter record carries the original
/// key and value bytes unchanged (so it can be replayed once the cause is fixed) and this as headers, all UTF-8
/// text so kcat shows them as they are: <see cref="ReasonHeader"/> (a <see cref="WireReasons"/> code),
/// <see cref="DetailHeader"/> (one human line), and the source topic, partition and offset (decimal).
/// Kept free of any Kafka client type: the Kafka layer turns <see cref="ToHeaders"/> into its own header list.
/// </summary>
public sealed record DeadLetter(string Reason, string Detail, string SourceTopic, int SourcePartition, long SourceOffset)
{
    public const string ReasonHeader = "streamrisk-reason";
    public const string DetailHeader = "streamrisk-detail";
    public const string SourceTopicHeader = "streamrisk-source-topic";
    public const string SourcePartitionHeader = "streamrisk-source-partition";
    public const string SourceOffsetHeader = "streamrisk-source-offset";

    /// <summary>Longest detail written, in chars; details quote input, and a header should stay a glance.</summary>
    public const int MaxDetailLength = 500;

    /// <summary>The dead letter of a message the decoder refused.</summary>
    public static DeadLetter Of(in DecodeResult refused, string sourceTopic, int sourcePartition, long sourceOffset)
    {
        if (refused.IsValid)
        {
            throw new ArgumentException("A valid message has no dead letter.", nameof(refused));
        }

        ArgumentNullException.ThrowIfNull(sourceTopic);
        return new DeadLetter(refused.Reason, refused.Detail, sourceTopic, sourcePartition, sourceOffset);
    }

    /// <summary>The five headers, in a fixed order; the detail reduced to one line of at most <see cref="MaxDetailLength"/> chars.</summary>
    public IReadOnlyList<(string Name, byte[] Value)> ToHeaders() =>
    [
        (ReasonHeader, Encoding.UTF8.GetBytes(Reason)),
        (DetailHeader, Encoding.UTF8.GetBytes(OneLine(Detail))),
        (SourceTopicHeader, Encoding.UTF8.GetBytes(SourceTopic)),
        (SourcePartitionHeader, Encoding.UTF8.GetBytes(SourcePartition.ToString(CultureInfo.InvariantCulture))),
        (SourceOffsetHeader, Encoding.UTF8.GetBytes(SourceOffset.ToString(CultureInfo.InvariantCulture))),
    ];

    /// <summary>Reads the headers back (tools that inspect or replay the dead-letter topic); false when one is missing or unreadable.</summary>
    public static bool TryFromHeaders(IEnumerable<(string Name, byte[] Value)> headers, [NotNullWhen(true)] out DeadLetter? deadLetter)
    {
        ArgumentNullException.ThrowIfNull(headers);
        deadLetter = null;
        string? reason = null, detail = null, topic = null, partitionText = null, offsetText = null;
        foreach (var (name, value) in headers)
        {
            var text = Encoding.UTF8.GetString(value ?? []);
            switch (name)
            {
                case ReasonHeader:
                    reason = text;
                    break;
                case DetailHeader:
                    detail = text;
                    break;
                case SourceTopicHeader:
                    topic = text;
                    break;
                case SourcePartitionHeader:
                    partitionText = text;
                    break;
                case SourceOffsetHeader:
                    offsetText = text;
                    break;
                default:
                    break;
            }
        }

        if (reason is null || detail is null || topic is null
            || !int.TryParse(partitionText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var partition)
            || !long.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
        {
            return false;
        }

        deadLetter = new DeadLetter(reason, detail, topic, partition, offset);
        return true;
    }

    /// <summary>Control characters (line breaks included) become spaces; long text is cut, never inside a surrogate pair.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var length = Math.Min(text.Length, MaxDetailLength);
        if (length < text.Length && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(char.IsControl(text[i]) ? ' ' : text[i]);
        }

        return builder.ToString();
    }
}
