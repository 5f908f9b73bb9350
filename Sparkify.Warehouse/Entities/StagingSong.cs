namespace Sparkify.Warehouse.Entities;

/// <summary>
/// One song record as staged from the song data (table <c>staging_songs</c>); keys map to columns by
/// name, as Redshift <c>COPY ... FORMAT AS JSON 'auto'</c> maps them.
/// </summary>
public sealed class StagingSong
{
    /// <summary>Number of songs in the source record (always 1 in the Sparkify data).</summary>
    public int? NumSongs { get; set; }

    /// <summary>Million Song Dataset artist id, e.g. <c>ARJIE2Y1187B994AB7</c>.</summary>
    public string? ArtistId { get; set; }

    /// <summary>Artist latitude, if known.</summary>
    public double? ArtistLatitude { get; set; }

    /// <summary>Artist longitude, if known.</summary>
    public double? ArtistLongitude { get; set; }

    /// <summary>Artist location as free text (often empty).</summary>
    public string? ArtistLocation { get; set; }

    /// <summary>Artist name.</summary>
    public string? ArtistName { get; set; }

    /// <summary>Million Song Dataset song id, e.g. <c>SOUPIRU12A6D4FA1E1</c>.</summary>
    public string? SongId { get; set; }

    /// <summary>Song title.</summary>
    public string? Title { get; set; }

    /// <summary>Song duration in seconds.</summary>
    public double? Duration { get; set; }

    /// <summary>Release year; 0 when unknown.</summary>
    public int? Year { get; set; }
}
