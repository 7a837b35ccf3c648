using System.Globalization;

namespace StreamRisk.Replay.Klines;

/// <summary>One 1-minute candle: open time (Unix ms), prices, base volume and quote volume.</summary>
public readonly record struct Kline(long OpenTime, double Open, double High, double Low, double Close, double Volume, double QuoteVolume)
{
    /// <summary>The minute's range relative to its open.</summary>
    public double Range => (High - Low) / Open;
}

/// <summary>
/// One instrument's 1-minute Binance kline file: rows of <c>open_time_ms, open, high, low, close, volume, close_time_ms,
/// quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, ignore</c> (Binance's public futures kline files; a
/// first line of column names is skipped). The symbol is the file name's first <c>-</c>-separated part. Rows must be
/// consecutive minutes with <c>low ≤ open, close ≤ high</c> and positive prices; a row that is not is bad input, named
/// by file and line (<see cref="CaptureFormatException"/>).
/// </summary>
public sealed class KlineFile
{
    private const long Minute = 60_000;

    private KlineFile(string path, string symbol, Kline[] klines, int priceDecimals, int quantityDecimals)
    {
        Path = path;
        Symbol = symbol;
        Klines = klines;
        PriceDecimals = priceDecimals;
        QuantityDecimals = quantityDecimals;
    }

    public string Path { get; }

    public string Symbol { get; }

    public IReadOnlyList<Kline> Klines { get; }

    /// <summary>The most decimals any price of the file shows (trailing zeros not counted): the price grid it was quoted on.</summary>
    public int PriceDecimals { get; }

    /// <summary>The most decimals any base volume shows (trailing zeros not counted): the lot the venue counted in.</summary>
    public int QuantityDecimals { get; }

    /// <summary>Open time of the first minute (Unix ms).</summary>
    public long Start => Klines[0].OpenTime;

    /// <summary>Open time of the last minute (Unix ms).</summary>
    public long End => Klines[^1].OpenTime;

    /// <summary>Reads and checks the whole file.</summary>
    /// <exception cref="CaptureFormatException">A row is not a kline, or not the minute after the one before it.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static KlineFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = System.IO.Path.GetFileName(path);
        var symbol = name.Split('-', 2)[0];
        var dot = symbol.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            symbol = symbol[..dot];
        }

        if (symbol.Length == 0)
        {
            throw new CaptureFormatException(name, 0, "no symbol in the file name (expected SYMBOL-..., e.g. BTCUSDT-1m-2024-08.csv)");
        }

        var klines = new List<Kline>();
        int priceDecimals = 0, quantityDecimals = 0;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.Length > 0 && !char.IsAsciiDigit(line[0])))
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length < 8)
            {
                throw new CaptureFormatException(name, lineNumber, $"expected 12 comma-separated columns (open_time, open, high, low, close, volume, close_time, quote_volume, ...), found {fields.Length}");
            }

            var openTime = Integer(fields[0], "open_time", name, lineNumber);
            var open = Price(fields[1], "open", name, lineNumber, ref priceDecimals);
            var high = Price(fields[2], "high", name, lineNumber, ref priceDecimals);
            var low = Price(fields[3], "low", name, lineNumber, ref priceDecimals);
            var close = Price(fields[4], "close", name, lineNumber, ref priceDecimals);
            var volume = Number(fields[5], "volume", name, lineNumber);
            quantityDecimals = Math.Max(quantityDecimals, Decimals(fields[5]));
            var quoteVolume = Number(fields[7], "quote_volume", name, lineNumber);
            if (openTime % Minute != 0)
            {
                throw new CaptureFormatException(name, lineNumber, $"open_time {openTime} is not on a whole minute");
            }

            if (klines.Count > 0 && openTime != klines[^1].OpenTime + Minute)
            {
                throw new CaptureFormatException(name, lineNumber, string.Create(CultureInfo.InvariantCulture,
                    $"open_time {openTime} is not the minute after the previous row's ({klines[^1].OpenTime}); a file must hold consecutive 1-minute candles"));
            }

            if (low > Math.Min(open, close) || high < Math.Max(open, close))
            {
                throw new CaptureFormatException(name, lineNumber, "low must be at most the open and close, high at least both");
            }

            klines.Add(new Kline(openTime, open, high, low, close, volume, quoteVolume));
        }

        if (klines.Count == 0)
        {
            throw new CaptureFormatException(name, lineNumber, "no klines in the file");
        }

        return new KlineFile(path, symbol, [.. klines], priceDecimals, quantityDecimals);
    }

    private static long Integer(string text, string column, string name, int line) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new CaptureFormatException(name, line, $"{column} '{Shown(text)}' is not a time in Unix milliseconds");

    private static double Number(string text, string column, string name, int line) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0
            ? value
            : throw new CaptureFormatException(name, line, $"{column} '{Shown(text)}' is not a number ≥ 0");

    private static double Price(string text, string column, string name, int line, ref int decimals)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0)
        {
            throw new CaptureFormatException(name, line, $"{column} '{Shown(text)}' is not a positive price");
        }

        decimals = Math.Max(decimals, Decimals(text));
        return value;
    }

    /// <summary>Digits after the decimal point, trailing zeros not counted ("52783.20" has 1).</summary>
    private static int Decimals(string text)
    {
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point < 0 || text.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        var end = text.Length;
        while (end > point + 1 && text[end - 1] == '0')
        {
            end--;
        }

        return end - point - 1;
    }

    private static string Shown(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
