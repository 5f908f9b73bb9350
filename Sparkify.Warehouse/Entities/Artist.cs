namespace Sparkify.Warehouse.Entities;

/// <summary>
/// The dimension <c>artists</c>: one row per artist id. When an artist's songs disagree on name,
/// location or coordinates, the values of the song with the smallest song id win.
/// </summary>
public sealed class Artist
{
    /// <summary>Million Song Dataset artist id.</summary>
    public string ArtistId { get; set; } = "";

    /// <summary>Artist name.</summary>
    public string? Name { get; set; }

    /// <summary>Location as free text.</summary>
    public string? Location { get; set; }

    /// <summary>Latitude, if known.</summary>
    public double? Latitude { get; set; }

    /// <summary>Longitude, if known.</summary>
    public double? Longitude { get; set; }

    /// <summary>
    /// The song the values were taken from: kept so that incremental loads resolve disagreements the
    /// same way a single load would (smallest song id wins).
    /// </summary>
    public string SourceSongId { get; set; } = "";

    /// <summary>The artist's songs.</summary>
    public ICollection<Song> Songs { get; } = [];
}
