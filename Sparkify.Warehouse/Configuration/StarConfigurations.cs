using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Metadata;

namespace Sparkify.Warehouse.Configuration;

// Relationships are navigations for LINQ joins only: Redshift does not enforce foreign keys, and an
// unmatched play legitimately has no song, so no FK constraint is created (see WarehouseDbContext).
internal sealed class SongPlayConfiguration : IEntityTypeConfiguration<SongPlay>
{
    public void Configure(EntityTypeBuilder<SongPlay> builder)
    {
        builder.ToTable("songplays");
        builder.HasKey(e => e.SongPlayId);
        var order = 0;
        builder.Property(e => e.SongPlayId).HasColumnName("songplay_id").UseIdentityByDefaultColumn().HasColumnOrder(order++);
        builder.Property(e => e.StartTime).HasColumnName("start_time").HasColumnType("timestamp without time zone").HasColumnOrder(order++);
        builder.Property(e => e.UserId).HasColumnName("user_id").HasColumnOrder(order++);
        builder.Property(e => e.Level).HasColumnName("level").HasMaxLength(ColumnLengths.Code).HasColumnOrder(order++);
        builder.Property(e => e.SongId).HasColumnName("song_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order++);
        builder.Property(e => e.ArtistId).HasColumnName("artist_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order++);
        builder.Property(e => e.SessionId).HasColumnName("session_id").HasColumnOrder(order++);
        builder.Property(e => e.Location).HasColumnName("location").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.UserAgent).HasColumnName("user_agent").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.ItemInSession).HasColumnName("item_in_session").HasColumnOrder(order++);

        // The play's own match key, so a play loaded before its song is matched when the song arrives.
        builder.Property(e => e.SongTitle).HasColumnName("song_title").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.ArtistName).HasColumnName("artist_name").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.SongLength).HasColumnName("song_length").HasColumnOrder(order);

        // The natural key of a play. On PostgreSQL the unique index also serves the loader's
        // "insert only plays not yet present"; Redshift has no indexes and gets the sort key instead.
        builder.HasIndex(e => new { e.UserId, e.SessionId, e.ItemInSession }).IsUnique().HasDatabaseName("ux_songplays_play");
        // No index on start_time: the load inserts plays in natural-key order (the order its
        // dedupe sorts them in), which keeps the key index above cheap to fill but would make a
        // start_time index cost a random insert per play; the analyst queries aggregate whole
        // months, which a sequential scan serves, and Redshift has the sort key below.

        builder.HasOne(e => e.User).WithMany(u => u.SongPlays).HasForeignKey(e => e.UserId);
        builder.HasOne(e => e.Song).WithMany(s => s.SongPlays).HasForeignKey(e => e.SongId);
        builder.HasOne(e => e.Artist).WithMany().HasForeignKey(e => e.ArtistId);
        builder.HasOne(e => e.Time).WithMany().HasForeignKey(e => e.StartTime);

        // Not song_id: almost every real play has no song, and Redshift puts every NULL key on one
        // slice. start_time is never NULL and nearly unique, so it spreads evenly, and shared with
        // "time" (same key, same sort) it makes the time insert's check against plays a local merge.
        builder.HasDistKey(e => e.StartTime);
        builder.HasSortKey(e => e.StartTime);
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(e => e.UserId);
        var order = 0;
        builder.Property(e => e.UserId).HasColumnName("user_id").ValueGeneratedNever().HasColumnOrder(order++);
        builder.Property(e => e.FirstName).HasColumnName("first_name").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.LastName).HasColumnName("last_name").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.Gender).HasColumnName("gender").HasMaxLength(ColumnLengths.Code).HasColumnOrder(order++);
        builder.Property(e => e.Level).HasColumnName("level").HasMaxLength(ColumnLengths.Code).HasColumnOrder(order++);
        builder.Property(e => e.LastEventTs).HasColumnName("last_event_ts").HasColumnOrder(order++);
        builder.Property(e => e.LastItemInSession).HasColumnName("last_item_in_session").HasColumnOrder(order);
        builder.HasDistStyle(RedshiftDistStyle.All);
        builder.HasSortKey(e => e.UserId);
    }
}

internal sealed class SongConfiguration : IEntityTypeConfiguration<Song>
{
    public void Configure(EntityTypeBuilder<Song> builder)
    {
        builder.ToTable("songs");
        builder.HasKey(e => e.SongId);
        var order = 0;
        builder.Property(e => e.SongId).HasColumnName("song_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order++);
        builder.Property(e => e.Title).HasColumnName("title").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.ArtistId).HasColumnName("artist_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order++);
        builder.Property(e => e.Year).HasColumnName("year").HasColumnOrder(order++);
        builder.Property(e => e.Duration).HasColumnName("duration").HasColumnOrder(order++);
        builder.Property(e => e.ArtistName).HasColumnName("artist_name").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order);
        builder.HasOne(e => e.Artist).WithMany(a => a.Songs).HasForeignKey(e => e.ArtistId);

        // Shared with staging_songs, so the load's per-song dedupe and its check against existing
        // songs stay on each slice.
        builder.HasDistKey(e => e.SongId);
        builder.HasSortKey(e => e.SongId);
    }
}

internal sealed class ArtistConfiguration : IEntityTypeConfiguration<Artist>
{
    public void Configure(EntityTypeBuilder<Artist> builder)
    {
        builder.ToTable("artists");
        builder.HasKey(e => e.ArtistId);
        var order = 0;
        builder.Property(e => e.ArtistId).HasColumnName("artist_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order++);
        builder.Property(e => e.Name).HasColumnName("name").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.Location).HasColumnName("location").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.Latitude).HasColumnName("latitude").HasColumnOrder(order++);
        builder.Property(e => e.Longitude).HasColumnName("longitude").HasColumnOrder(order++);
        builder.Property(e => e.SourceSongId).HasColumnName("source_song_id").HasMaxLength(ColumnLengths.Id).HasColumnOrder(order);
        builder.HasDistStyle(RedshiftDistStyle.All);
        builder.HasSortKey(e => e.ArtistId);
    }
}

internal sealed class TimeDimensionConfiguration : IEntityTypeConfiguration<TimeDimension>
{
    public void Configure(EntityTypeBuilder<TimeDimension> builder)
    {
        builder.ToTable("time");
        builder.HasKey(e => e.StartTime);
        var order = 0;
        builder.Property(e => e.StartTime).HasColumnName("start_time").HasColumnType("timestamp without time zone").HasColumnOrder(order++);
        builder.Property(e => e.Hour).HasColumnName("hour").HasColumnOrder(order++);
        builder.Property(e => e.Day).HasColumnName("day").HasColumnOrder(order++);
        builder.Property(e => e.Week).HasColumnName("week").HasColumnOrder(order++);
        builder.Property(e => e.Month).HasColumnName("month").HasColumnOrder(order++);
        builder.Property(e => e.Year).HasColumnName("year").HasColumnOrder(order++);
        builder.Property(e => e.Weekday).HasColumnName("weekday").HasColumnOrder(order);

        // One row per distinct play time: as large as songplays, too large to copy to every node.
        builder.HasDistKey(e => e.StartTime);
        builder.HasSortKey(e => e.StartTime);
    }
}
