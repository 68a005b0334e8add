using System.IO.Compression;
using System.Text.Json;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Replay;

/// <summary>
/// Writes a tape (contracts.md §1): one CloudEvents 1.0 structured-JSON event per line, UTF-8, gzip when the path ends
/// in <c>.gz</c>. Field order is fixed so that the same events always give the same bytes.
/// The caller writes events in time order (<see cref="TapeReader"/> sorts stably anyway).
/// </summary>
public sealed class TapeWriter : IAsyncDisposable, IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Stream _stream;
    private readonly Stream? _file;
    private readonly bool _gzip;
    private readonly Utf8JsonWriter _json;
    private readonly ArrayBufferWriterStream _buffer = new();

    public TapeWriter(Stream stream, bool gzip = false, bool leaveOpen = false)
    {
        _file = leaveOpen ? null : stream;
        _gzip = gzip;
        _stream = gzip ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen) : stream;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public long Count { get; private set; }

    public static TapeWriter Create(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        return new TapeWriter(file, path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
    }

    public void Write(PriceBarObserved bar)
    {
        Begin(bar.EventId, bar.Source, TapeEventTypes.PriceBar, bar.End, bar.Symbol);
        _json.WriteString("symbol", bar.Symbol);
        _json.WriteString("interval", bar.Interval);
        _json.WriteString("start", TapeTime.Format(bar.Start));
        _json.WriteNumber("open", bar.Open);
        _json.WriteNumber("high", bar.High);
        _json.WriteNumber("low", bar.Low);
        _json.WriteNumber("close", bar.Close);
        _json.WriteNumber("volume", bar.Volume);
        End();
    }

    public void Write(HeadlineObserved headline)
    {
        Begin(headline.EventId, headline.Source, TapeEventTypes.Headline, headline.PublishedAt, subject: null);
        _json.WriteString("title", headline.Title);
        _json.WriteString("url", headline.Url);
        _json.WriteString("publisher", headline.Publisher);
        _json.WriteString("publishedAt", TapeTime.Format(headline.PublishedAt));
        if (headline.Summary is not null)
            _json.WriteString("summary", headline.Summary);
        if (headline.Tickers.Count > 0)
        {
            _json.WriteStartArray("tickers");
            foreach (var t in headline.Tickers)
                _json.WriteStringValue(t);
            _json.WriteEndArray();
        }
        End();
    }

    public void Write(TapeEvent e)
    {
        switch (e)
        {
            case TapeEvent.Bar b: Write(b.Value); break;
            case TapeEvent.Headline h: Write(h.Value); break;
            default: throw new ArgumentException($"unknown tape event {e.GetType().Name}", nameof(e));
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => _stream.FlushAsync(cancellationToken);

    private void Begin(string id, string source, string type, DateTimeOffset time, string? subject)
    {
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString("specversion", "1.0");
        _json.WriteString("id", id);
        _json.WriteString("source", source);
        _json.WriteString("type", type);
        _json.WriteString("time", TapeTime.Format(time));
        if (subject is not null)
            _json.WriteString("subject", subject);
        _json.WriteString("datacontenttype", "application/json");
        _json.WriteStartObject("data");
    }

    private void End()
    {
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _buffer.CopyTo(_stream);
        _stream.Write(NewLine);
        _buffer.Clear();
        Count++;
    }

    public void Dispose()
    {
        _json.Dispose();
        _stream.Flush();
        // The gzip layer is ours (it leaves the caller's stream open when asked); the caller's stream is closed only when it was handed over.
        if (_gzip)
            _stream.Dispose();
        _file?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        await _stream.FlushAsync();
        if (_gzip)
            await _stream.DisposeAsync();
        if (_file is not null)
            await _file.DisposeAsync();
    }

    /// <summary>A reusable in-memory buffer for one line, so the writer allocates nothing per event in steady state.</summary>
    private sealed class ArrayBufferWriterStream : System.Buffers.IBufferWriter<byte>
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _inner = new(4096);
        public void Advance(int count) => _inner.Advance(count);
        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);
        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
        public void CopyTo(Stream s) => s.Write(_inner.WrittenSpan);
        public void Clear() => _inner.ResetWrittenCount();
    }
}

/// <summary>One event of a tape, with where it came from.</summary>
public abstract record TapeEvent(DateTimeOffset Time, int LineNumber)
{
    public sealed record Bar(PriceBarObserved Value, int Line) : TapeEvent(Value.End, Line);

    public sealed record Headline(HeadlineObserved Value, int Line) : TapeEvent(Value.PublishedAt, Line);
}
