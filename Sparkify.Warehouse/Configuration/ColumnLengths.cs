namespace Sparkify.Warehouse.Configuration;

/// <summary>
/// VARCHAR lengths. Redshift counts them in bytes and turns an unbounded TEXT into VARCHAR(256), which
/// real song titles and artist names overflow; so every string column has an explicit length, sized
/// for UTF-8 text of the real data with room to spare. The loader checks the same byte lengths on
/// PostgreSQL, so a record is rejected on both targets or on neither.
/// </summary>
internal static class ColumnLengths
{
    /// <summary>Million Song Dataset ids (18 ASCII characters) and user ids as strings.</summary>
    public const int Id = 64;

    /// <summary>Short codes: level, gender, auth state, HTTP method, page.</summary>
    public const int Code = 32;

    /// <summary>Names, titles, locations, user agents.</summary>
    public const int Text = 1024;

    /// <summary>Paths and URIs of sources.</summary>
    public const int Source = 2048;

    /// <summary>S3 ETags: a quoted MD5 in hex, with a part count for multipart uploads.</summary>
    public const int ETag = 128;

    /// <summary>Lists of sources and error messages in load_runs.</summary>
    public const int Message = 8192;

    /// <summary>The raw text kept for a rejected record ("cut to 1 KB").</summary>
    public const int RawLine = 1024;
}
