using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Metadata;

namespace Sparkify.Warehouse.Configuration;

// Staging tables are keyless, unlogged on PostgreSQL (BACKUP NO on Redshift): they hold only the
// current load, which can always be re-read from its source. Column order is the COPY order (the
// JSONPaths positions for events), so every column gets an explicit order.
internal sealed class StagingEventConfiguration : IEntityTypeConfiguration<StagingEvent>
{
    public void Configure(EntityTypeBuilder<StagingEvent> builder)
    {
        builder.ToTable("staging_events");
        builder.HasNoKey();
        builder.IsUnlogged();

        // The loader analyzes staging itself and empties it every load; autovacuum could only get in
        // the way, its lock making the next load's TRUNCATE wait until it gives up (deadlock_timeout).
        builder.HasStorageParameter("autovacuum_enabled", false);
        var order = 0;
        builder.Property(e => e.Artist).HasColumnName("artist").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Auth).HasColumnName("auth").HasMaxLength(ColumnLengths.Code).HasStagingColumnOrder(order++);
        builder.Property(e => e.FirstName).HasColumnName("first_name").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Gender).HasColumnName("gender").HasMaxLength(ColumnLengths.Code).HasStagingColumnOrder(order++);
        builder.Property(e => e.ItemInSession).HasColumnName("item_in_session").HasStagingColumnOrder(order++);
        builder.Property(e => e.LastName).HasColumnName("last_name").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Length).HasColumnName("length").HasStagingColumnOrder(order++);
        builder.Property(e => e.Level).HasColumnName("level").HasMaxLength(ColumnLengths.Code).HasStagingColumnOrder(order++);
        builder.Property(e => e.Location).HasColumnName("location").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Method).HasColumnName("method").HasMaxLength(ColumnLengths.Code).HasStagingColumnOrder(order++);
        builder.Property(e => e.Page).HasColumnName("page").HasMaxLength(ColumnLengths.Code).HasStagingColumnOrder(order++);
        builder.Property(e => e.Registration).HasColumnName("registration").HasStagingColumnOrder(order++);
        builder.Property(e => e.SessionId).HasColumnName("session_id").HasStagingColumnOrder(order++);
        builder.Property(e => e.Song).HasColumnName("song").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Status).HasColumnName("status").HasStagingColumnOrder(order++);
        builder.Property(e => e.Ts).HasColumnName("ts").HasStagingColumnOrder(order++);
        builder.Property(e => e.UserAgent).HasColumnName("user_agent").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.UserId).HasColumnName("user_id").HasMaxLength(ColumnLengths.Id).HasStagingColumnOrder(order);

        // Round-robin: song and artist are NULL for every event that is not a play, which a key on
        // them would pile onto one slice, and no other column is joined on as it is staged.
        builder.HasDistStyle(RedshiftDistStyle.Even);
    }
}

internal sealed class StagingSongConfiguration : IEntityTypeConfiguration<StagingSong>
{
    public void Configure(EntityTypeBuilder<StagingSong> builder)
    {
        builder.ToTable("staging_songs");
        builder.HasNoKey();
        builder.IsUnlogged();

        // The loader analyzes staging itself and empties it every load; autovacuum could only get in
        // the way, its lock making the next load's TRUNCATE wait until it gives up (deadlock_timeout).
        builder.HasStorageParameter("autovacuum_enabled", false);
        var order = 0;
        builder.Property(e => e.NumSongs).HasColumnName("num_songs").HasStagingColumnOrder(order++);
        builder.Property(e => e.ArtistId).HasColumnName("artist_id").HasMaxLength(ColumnLengths.Id).HasStagingColumnOrder(order++);
        builder.Property(e => e.ArtistLatitude).HasColumnName("artist_latitude").HasStagingColumnOrder(order++);
        builder.Property(e => e.ArtistLongitude).HasColumnName("artist_longitude").HasStagingColumnOrder(order++);
        builder.Property(e => e.ArtistLocation).HasColumnName("artist_location").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.ArtistName).HasColumnName("artist_name").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.SongId).HasColumnName("song_id").HasMaxLength(ColumnLengths.Id).HasStagingColumnOrder(order++);
        builder.Property(e => e.Title).HasColumnName("title").HasMaxLength(ColumnLengths.Text).HasStagingColumnOrder(order++);
        builder.Property(e => e.Duration).HasColumnName("duration").HasStagingColumnOrder(order++);
        builder.Property(e => e.Year).HasColumnName("year").HasStagingColumnOrder(order);

        // The same key as songs: the songs insert's dedupe per song id and its check against
        // existing songs stay on each slice.
        builder.HasDistKey(e => e.SongId);
    }
}

// A logged table on purpose: after a crash PostgreSQL empties unlogged tables, and the row count kept
// here then tells the next load that staging_songs no longer holds what the manifest describes.
internal sealed class StagingManifestConfiguration : IEntityTypeConfiguration<StagingManifest>
{
    public const string TableName = "staging_manifests";

    public void Configure(EntityTypeBuilder<StagingManifest> builder)
    {
        builder.ToTable(TableName);
        builder.HasKey(e => e.TableName);
        var order = 0;
        builder.Property(e => e.TableName).HasColumnName("table_name").HasMaxLength(64).HasColumnOrder(order++);
        builder.Property(e => e.Fingerprint).HasColumnName("fingerprint").HasMaxLength(64).HasColumnOrder(order++);
        builder.Property(e => e.Files).HasColumnName("file_count").HasColumnOrder(order++);
        builder.Property(e => e.Rows).HasColumnName("row_count").HasColumnOrder(order++);
        builder.Property(e => e.Storage).HasColumnName("storage").HasColumnOrder(order);
    }
}

/// <summary>The column order of a staging table, as the runtime model keeps it.</summary>
internal static class StagingColumnOrder
{
    /// <summary>
    /// The annotation holding a staging column's position. EF Core keeps the column order only in the
    /// design-time model, and building that model costs every load process a large share of its CPU
    /// (conventions run over every entity); a custom annotation is carried into the runtime and the
    /// compiled model, where the COPY's column list reads it.
    /// </summary>
    public const string Annotation = "Sparkify:StagingColumnOrder";

    /// <summary>Sets the column's order for the migrations and, as <see cref="Annotation"/>, for the loader.</summary>
    public static PropertyBuilder<T> HasStagingColumnOrder<T>(this PropertyBuilder<T> property, int order)
        => property.HasColumnOrder(order).HasAnnotation(Annotation, order);
}
