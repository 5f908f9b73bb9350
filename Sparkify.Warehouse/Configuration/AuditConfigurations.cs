using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Configuration;

internal sealed class LoadRunConfiguration : IEntityTypeConfiguration<LoadRun>
{
    public void Configure(EntityTypeBuilder<LoadRun> builder)
    {
        builder.ToTable("load_runs");
        builder.HasKey(e => e.RunId);
        var order = 0;
        // Redshift has no uuid type: the id is stored as its 36-character text form.
        builder.Property(e => e.RunId).HasColumnName("run_id").HasConversion<string>().HasMaxLength(36).ValueGeneratedNever().HasColumnOrder(order++);
        builder.Property(e => e.StartedAt).HasColumnName("started_at").HasColumnType("timestamp without time zone").HasColumnOrder(order++);
        builder.Property(e => e.FinishedAt).HasColumnName("finished_at").HasColumnType("timestamp without time zone").HasColumnOrder(order++);
        builder.Property(e => e.Status).HasColumnName("status").HasMaxLength(16).HasColumnOrder(order++);
        builder.Property(e => e.Sources).HasColumnName("sources").HasMaxLength(ColumnLengths.Message).HasColumnOrder(order++);
        builder.Property(e => e.EventsStaged).HasColumnName("events_staged").HasColumnOrder(order++);
        builder.Property(e => e.SongsStaged).HasColumnName("songs_staged").HasColumnOrder(order++);
        builder.Property(e => e.RowsRejected).HasColumnName("rows_rejected").HasColumnOrder(order++);
        builder.Property(e => e.SongPlaysInserted).HasColumnName("songplays_inserted").HasColumnOrder(order++);
        builder.Property(e => e.UsersUpserted).HasColumnName("users_upserted").HasColumnOrder(order++);
        builder.Property(e => e.SongsInserted).HasColumnName("songs_inserted").HasColumnOrder(order++);
        builder.Property(e => e.ArtistsUpserted).HasColumnName("artists_upserted").HasColumnOrder(order++);
        builder.Property(e => e.TimeInserted).HasColumnName("time_inserted").HasColumnOrder(order++);
        builder.Property(e => e.Error).HasColumnName("error").HasMaxLength(ColumnLengths.Message).HasColumnOrder(order);
    }
}

internal sealed class LoadErrorConfiguration : IEntityTypeConfiguration<LoadError>
{
    public void Configure(EntityTypeBuilder<LoadError> builder)
    {
        builder.ToTable("load_errors");
        builder.HasKey(e => e.LoadErrorId);
        var order = 0;
        builder.Property(e => e.LoadErrorId).HasColumnName("load_error_id").UseIdentityByDefaultColumn().HasColumnOrder(order++);
        builder.Property(e => e.RunId).HasColumnName("run_id").HasConversion<string>().HasMaxLength(36).HasColumnOrder(order++);
        builder.Property(e => e.Source).HasColumnName("source").HasMaxLength(ColumnLengths.Source).HasColumnOrder(order++);
        builder.Property(e => e.LineNumber).HasColumnName("line_number").HasColumnOrder(order++);
        builder.Property(e => e.ColumnName).HasColumnName("column_name").HasMaxLength(128).HasColumnOrder(order++);
        builder.Property(e => e.Reason).HasColumnName("reason").HasMaxLength(ColumnLengths.Text).HasColumnOrder(order++);
        builder.Property(e => e.RawLine).HasColumnName("raw_line").HasMaxLength(ColumnLengths.RawLine).HasColumnOrder(order);
        builder.HasIndex(e => e.RunId).HasDatabaseName("ix_load_errors_run_id");
    }
}

// No Redshift distribution or sort key: the ledger is read whole per load (one row per file, a few
// hundred thousand at most), and a sort key on URIs that all start with "s3://bucket/" would give its
// zone maps nothing to skip; Redshift's AUTO distribution fits a table of that size.
internal sealed class LoadFileConfiguration : IEntityTypeConfiguration<LoadFile>
{
    public const string TableName = "load_files";

    public void Configure(EntityTypeBuilder<LoadFile> builder)
    {
        builder.ToTable(TableName);
        builder.HasKey(e => e.Uri);
        var order = 0;
        builder.Property(e => e.Uri).HasColumnName("uri").HasMaxLength(ColumnLengths.Source).HasColumnOrder(order++);
        builder.Property(e => e.SizeBytes).HasColumnName("size_bytes").HasColumnOrder(order++);
        builder.Property(e => e.ETag).HasColumnName("etag").HasMaxLength(ColumnLengths.ETag).HasColumnOrder(order++);
        builder.Property(e => e.ModifiedAt).HasColumnName("modified_at").HasColumnType("timestamp without time zone").HasColumnOrder(order++);
        builder.Property(e => e.RunId).HasColumnName("run_id").HasConversion<string>().HasMaxLength(36).HasColumnOrder(order++);
        builder.Property(e => e.RecordsStaged).HasColumnName("records_staged").HasColumnOrder(order++);
        builder.Property(e => e.RecordsRejected).HasColumnName("records_rejected").HasColumnOrder(order++);
        builder.Property(e => e.LoadedAt).HasColumnName("loaded_at").HasColumnType("timestamp without time zone").HasColumnOrder(order);
    }
}
