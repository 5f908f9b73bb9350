using System.Buffers;
using System.Text.Json;

namespace Sparkify.Warehouse.Generation;

/// <summary>
/// Writes the song files: <c>song_data/A/B/C/TRABC....json</c>, one JSON object per file with the real
/// snake_case keys in their order — on one line without a final newline like most real files, or
/// pretty-printed with two-space indentation and a final newline like the few others.
/// </summary>
internal sealed class SongFileWriter : IDisposable
{
    public static readonly string[] Keys =
    [
        "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name",
        "song_id", "title", "duration", "year",
    ];

    private static readonly JsonEncodedText[] EncodedKeys = [.. Keys.Select(k => JsonEncodedText.Encode(k, EventLogWriter.Encoder))];

    private readonly string _root;
    private readonly SongCatalog _catalog;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _compact;
    private readonly Utf8JsonWriter _indented;
    private readonly bool[] _directoryCreated;
    private readonly bool[] _artistWritten;

    public SongFileWriter(string songRoot, SongCatalog catalog)
    {
        _root = songRoot;
        _catalog = catalog;
        _compact = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = EventLogWriter.Encoder, SkipValidation = true });

        // An explicit "\n": the default new line is the platform's, and the bytes must not depend on it.
        _indented = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = EventLogWriter.Encoder, SkipValidation = true, Indented = true, NewLine = "\n" });
        _directoryCreated = new bool[catalog.DirectoryCount];
        _artistWritten = new bool[catalog.ArtistCount];
        Directory.CreateDirectory(songRoot);
    }

    public int Files { get; private set; }

    public int Artists { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>The relative path of a song's file: the 3rd–5th letters of its track id name the folders.</summary>
    public static string RelativePath(string trackId) => Path.Combine(trackId[2..3], trackId[3..4], trackId[4..5], trackId + ".json");

    public async ValueTask WriteAsync(int index, CancellationToken cancellationToken)
    {
        var song = _catalog.GetSong(index);
        var artist = _catalog.GetArtist(song.ArtistIndex);
        if (!_artistWritten[song.ArtistIndex])
        {
            _artistWritten[song.ArtistIndex] = true;
            Artists++;
        }

        var path = Path.Combine(_root, RelativePath(song.TrackId));
        if (!_directoryCreated[song.DirectoryIndex])
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _directoryCreated[song.DirectoryIndex] = true;
        }

        _buffer.ResetWrittenCount();
        var json = song.PrettyPrinted ? _indented : _compact;
        json.Reset();
        json.WriteStartObject();
        json.WriteNumber(EncodedKeys[0], 1);
        json.WriteString(EncodedKeys[1], artist.ArtistId);
        WriteNumberOrNull(json, EncodedKeys[2], artist.Latitude);
        WriteNumberOrNull(json, EncodedKeys[3], artist.Longitude);
        json.WriteString(EncodedKeys[4], artist.Location);
        json.WriteString(EncodedKeys[5], artist.Name);
        json.WriteString(EncodedKeys[6], song.SongId);
        json.WriteString(EncodedKeys[7], song.Title);
        json.WriteNumber(EncodedKeys[8], song.Duration);
        json.WriteNumber(EncodedKeys[9], song.Year);
        json.WriteEndObject();
        json.Flush();
        if (song.PrettyPrinted)
        {
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
        }

        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
        await RandomAccess.WriteAsync(handle, _buffer.WrittenMemory, 0, cancellationToken).ConfigureAwait(false);
        Files++;
        Bytes += _buffer.WrittenCount;
    }

    public void Dispose()
    {
        _compact.Dispose();
        _indented.Dispose();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, JsonEncodedText key, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(key, number);
        }
        else
        {
            json.WriteNull(key);
        }
    }
}
