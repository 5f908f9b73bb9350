namespace Sparkify.Warehouse.Tests.TestUtilities;

// The star tables' rows as the tests compare them: songplays without their identity column.
internal sealed record SongPlayRow(DateTime StartTime, int UserId, string? Level, string? SongId, string? ArtistId, int SessionId, string? Location, string? UserAgent, int ItemInSession);

internal sealed record UserRow(int UserId, string? FirstName, string? LastName, string? Gender, string? Level, long LastEventTs, int LastItemInSession);

internal sealed record SongRow(string SongId, string? Title, string? ArtistId, int? Year, double? Duration);

internal sealed record ArtistRow(string ArtistId, string? Name, string? Location, double? Latitude, double? Longitude, string SourceSongId);

internal sealed record TimeRow(DateTime StartTime, int Hour, int Day, int Week, int Month, int Year, int Weekday);

internal sealed record Star(
    IReadOnlyList<SongPlayRow> SongPlays, IReadOnlyList<UserRow> Users, IReadOnlyList<SongRow> Songs,
    IReadOnlyList<ArtistRow> Artists, IReadOnlyList<TimeRow> Time);

