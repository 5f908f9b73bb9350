using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sparkify.Warehouse.Generation;

/// <summary>
/// Writes events as JSON Lines into one file per UTC day, <c>log_data/YYYY/MM/YYYY-MM-DD-events.json</c>,
/// with the real logs' camelCase keys in their order. Events must arrive in timestamp order; records are
/// built in a reused buffer and written out in large chunks, so memory stays flat.
/// </summary>
internal sealed class EventLogWriter : IAsyncDisposable
{
    /// <summary>The keys of an event, in the order of the real logs and of <c>log_json_path.json</c>.</summary>
    public static readonly string[] Keys =
    [
        "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level", "location",
        "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId",
    ];

    /// <summary>
    /// The real data leaves apostrophes, ampersands and accents as they are (<c>"Des'ree"</c>), so the
    /// relaxed encoder; it still escapes quotes, backslashes and control characters, which is all JSON needs.
    /// </summary>
    internal static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private const int ChunkBytes = 1 << 20;

    private static readonly JsonEncodedText[] EncodedKeys = [.. Keys.Select(k => JsonEncodedText.Encode(k, Encoder))];
    private static readonly JsonEncodedText[] PageNames = Encode("NextSong", "Home", "Login", "Logout", "Settings", "Save Settings", "Help", "About", "Upgrade", "Submit Upgrade", "Downgrade", "Submit Downgrade", "Error", "Register", "Submit Registration");
    private static readonly JsonEncodedText[] AuthNames = Encode("Logged In", "Logged Out", "Guest");
    private static readonly JsonEncodedText[] LevelNames = Encode("free", "paid");
    private static readonly JsonEncodedText[] FirstNames = Encode(ListenerBase.FirstNames);
    private static readonly JsonEncodedText[] LastNames = Encode(SyntheticVocabulary.LastNames);
    private static readonly JsonEncodedText[] Locations = Encode(SyntheticVocabulary.UserLocations);
    private static readonly JsonEncodedText[] Agents = Encode(SyntheticVocabulary.UserAgents);
    private static readonly JsonEncodedText Get = JsonEncodedText.Encode("GET");
    private static readonly JsonEncodedText Put = JsonEncodedText.Encode("PUT");
    private static readonly JsonEncodedText Male = JsonEncodedText.Encode("M");
    private static readonly JsonEncodedText Female = JsonEncodedText.Encode("F");

    private readonly string _root;
    private readonly DateOnly _firstDay;
    private readonly int _days;
    private readonly long _windowStart;
    private readonly ListenerBase _listeners;
    private readonly ArrayBufferWriter<byte> _buffer = new(ChunkBytes + (64 * 1024));
    private readonly Utf8JsonWriter _json;
    private FileStream? _file;
    private int _day = -1;

    public EventLogWriter(string logRoot, DateOnly firstDay, int days, long windowStart, ListenerBase listeners)
    {
        _root = logRoot;
        _firstDay = firstDay;
        _days = days;
        _windowStart = windowStart;
        _listeners = listeners;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = Encoder, SkipValidation = true });
    }

    public int Files { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>The relative path of the log file of <paramref name="date"/>, the real logs' layout.</summary>
    public static string RelativePath(DateOnly date) =>
        Path.Combine(
            date.Year.ToString("D4", CultureInfo.InvariantCulture),
            date.Month.ToString("D2", CultureInfo.InvariantCulture),
            date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-events.json");

    public async ValueTask WriteAsync(ListeningSession session, int index, CancellationToken cancellationToken)
    {
        var day = (int)((session[index].Ts - _windowStart) / EventSimulator.DayMs);
        if (day != _day)
        {
            await OpenDayAsync(day, cancellationToken).ConfigureAwait(false);
        }

        WriteRecord(session, index);
        if (_buffer.WrittenCount >= ChunkBytes)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Finishes the current file and writes the (empty) files of the days no event fell on.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken) => await OpenDayAsync(_days, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync().ConfigureAwait(false);
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }
    }

    private static JsonEncodedText[] Encode(params string[] values) => [.. values.Select(v => JsonEncodedText.Encode(v, Encoder))];

    /// <summary>Closes the current day's file and opens the files up to <paramref name="day"/>; past the last day it only closes.</summary>
    private async ValueTask OpenDayAsync(int day, CancellationToken cancellationToken)
    {
        while (_day < day)
        {
            if (_file is not null)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
            }

            _day++;
            if (_day >= _days)
            {
                return;
            }

            var path = Path.Combine(_root, RelativePath(_firstDay.AddDays(_day)));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            Files++;
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        await _file!.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        Bytes += _buffer.WrittenCount;
        _buffer.ResetWrittenCount();
    }

    private void WriteRecord(ListeningSession session, int index)
    {
        ref readonly var e = ref session[index];
        var user = e.Auth == Auth.LoggedIn ? session.User : -1;
        var isSong = e.Page == Page.NextSong;
        var json = _json;
        json.Reset();
        json.WriteStartObject();
        WriteStringOrNull(0, isSong ? e.Song.Artist : null);
        json.WriteString(EncodedKeys[1], AuthNames[(int)e.Auth]);
        WriteTextOrNull(2, user >= 0 ? FirstNames[_listeners.FirstName(user)] : null);
        WriteTextOrNull(3, user >= 0 ? (_listeners.IsFemale(user) ? Female : Male) : null);
        json.WriteNumber(EncodedKeys[4], index);
        WriteTextOrNull(5, user >= 0 ? LastNames[_listeners.LastName(user)] : null);
        if (isSong)
        {
            json.WriteNumber(EncodedKeys[6], e.Song.Duration);
        }
        else
        {
            json.WriteNull(EncodedKeys[6]);
        }

        json.WriteString(EncodedKeys[7], LevelNames[(int)e.Level]);
        WriteTextOrNull(8, user >= 0 ? Locations[_listeners.Location(user)] : null);
        json.WriteString(EncodedKeys[9], isSong || IsRedirect(e.Page) ? Put : Get);
        json.WriteString(EncodedKeys[10], PageNames[(int)e.Page]);
        json.WritePropertyName(EncodedKeys[11]);
        if (user >= 0)
        {
            // The real logs carry the registration time as a float: 1540919166796.0.
            Span<byte> number = stackalloc byte[24];
            Utf8Formatter.TryFormat(_listeners.Registration(user), number, out var written);
            number[written++] = (byte)'.';
            number[written++] = (byte)'0';
            json.WriteRawValue(number[..written], skipInputValidation: true);
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteNumber(EncodedKeys[12], session.SessionId);
        WriteStringOrNull(13, isSong ? e.Song.Title : null);
        json.WriteNumber(EncodedKeys[14], e.Page == Page.Error ? 404 : IsRedirect(e.Page) ? 307 : 200);
        json.WriteNumber(EncodedKeys[15], e.Ts);
        WriteTextOrNull(16, user >= 0 ? Agents[_listeners.Agent(user)] : null);
        if (user >= 0)
        {
            Span<byte> id = stackalloc byte[12];
            Utf8Formatter.TryFormat(_listeners.UserId(user), id, out var written);
            json.WriteString(EncodedKeys[17], id[..written]);
        }
        else
        {
            json.WriteString(EncodedKeys[17], ""u8);
        }

        json.WriteEndObject();
        json.Flush();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
    }

    /// <summary>Pages that change something are PUTs answered with a 307 redirect, as in the real logs; NextSong is a PUT answered 200.</summary>
    private static bool IsRedirect(Page page) =>
        page is Page.Login or Page.Logout or Page.SaveSettings or Page.SubmitUpgrade or Page.SubmitDowngrade or Page.SubmitRegistration;

    private void WriteStringOrNull(int key, string? value)
    {
        if (value is null)
        {
            _json.WriteNull(EncodedKeys[key]);
        }
        else
        {
            _json.WriteString(EncodedKeys[key], value);
        }
    }

    private void WriteTextOrNull(int key, JsonEncodedText? value)
    {
        if (value is { } text)
        {
            _json.WriteString(EncodedKeys[key], text);
        }
        else
        {
            _json.WriteNull(EncodedKeys[key]);
        }
    }
}
