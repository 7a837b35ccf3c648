using System.Buffers;
using System.Text;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;

namespace StreamRisk.Contracts.Tests.Wire;

/// <summary>Known instruments and accounts, with a decoder and an encoder over them (one per test: they are single-writer).</summary>
internal sealed class WireFixture : IDisposable
{
    public WireFixture(WireDecoderOptions? options = null)
    {
        Btc = Symbols.Upsert(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m));
        Eth = Symbols.Upsert(new Symbol("ETHUSDT"), TickSize.FromDecimal(0.01m));
        Xbt = Symbols.Upsert(new Symbol("XBTUSD"), TickSize.FromDecimal(0.5m));
        Pepe = Symbols.Upsert(new Symbol("1000PEPEUSDT"), TickSize.FromDecimal(0.0000001m));
        Whole = Symbols.Upsert(new Symbol("WHOLE"), TickSize.FromDecimal(1m));
        Alice = Accounts.GetOrAdd("alice"u8);
        Bob = Accounts.GetOrAdd("bob"u8);
        Decoder = new WireDecoder(Symbols, Accounts, options);
        Encoder = new WireEncoder(Symbols, Accounts);
    }

    public SymbolTable Symbols { get; } = new();

    public AccountTable Accounts { get; } = new();

    public WireDecoder Decoder { get; }

    public WireEncoder Encoder { get; }

    /// <summary>Tick 0.1.</summary>
    public int Btc { get; }

    /// <summary>Tick 0.01.</summary>
    public int Eth { get; }

    /// <summary>Tick 0.5.</summary>
    public int Xbt { get; }

    /// <summary>Tick 0.0000001.</summary>
    public int Pepe { get; }

    /// <summary>Tick 1: prices beyond 2^53 show whether a price went through a double.</summary>
    public int Whole { get; }

    public int Alice { get; }

    public int Bob { get; }

    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    public byte[] Encode(Action<WireEncoder, IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(Encoder, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes with the decoder of <paramref name="topic"/> (marks, book, positions, liquidations, instruments).</summary>
    public DecodeResult Decode(string topic, ReadOnlySpan<byte> utf8) => topic switch
    {
        "marks" => Decoder.DecodeMark(utf8, out _),
        "book" => Decoder.DecodeBook(utf8, out _),
        "positions" => Decoder.DecodePositions(utf8, out _),
        "liquidations" => Decoder.DecodeLiquidation(utf8, out _),
        "insurance" => Decoder.DecodeInsurance(utf8, out _),
        "instruments" => Decoder.DecodeInstrument(utf8, out _),
        _ => throw new ArgumentOutOfRangeException(nameof(topic), topic, null),
    };

    public void Dispose() => Encoder.Dispose();
}
