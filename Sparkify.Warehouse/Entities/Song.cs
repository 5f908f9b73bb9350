namespace Sparkify.Warehouse.Entities;

/// <summary>The dimension <c>songs</c>: one row per song id.</summary>
public sealed class Song
{
    /// <summary>Million Song Dataset song id.</summary>
    public string SongId { get; set; } = "";

    /// <summary>Title.</summary>
    public string? Title { get; set; }

    /// <summary>The song's artist.</summary>
    public string? ArtistId { get; set; }

    /// <summary>Release year; 0 when unknown.</summary>
    public int? Year { get; set; }

    /// <summary>Duration in seconds.</summary>
    public double? Duration { get; set; }

    /// <summary>
    /// The artist name as staged with this song: with <see cref="Title"/> and <see cref="Duration"/> the key
    /// plays are matched on, kept so that plays loaded later match songs loaded earlier.
    /// </summary>
    public string? ArtistName { get; set; }

    /// <summary>The song's artist.</summary>
    public Artist? Artist { get; set; }

    /// <summary>Plays of this song.</summary>
    public ICollection<SongPlay> SongPlays { get; } = [];
}
