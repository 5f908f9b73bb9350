using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Sparkify.Warehouse.CompiledModel;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Infrastructure.Internal;

namespace Sparkify.Warehouse;

/// <summary>
/// The Sparkify warehouse: two staging tables, the <c>songplays</c> fact with its four dimensions,
/// and the load audit tables. Configure it with
/// <see cref="WarehouseDbContextOptionsBuilderExtensions.UseWarehouse(DbContextOptionsBuilder, string, WarehouseProvider)"/>.
/// </summary>
/// <remarks>
/// Relationships exist for LINQ navigation only. No foreign-key constraints are created on either
/// target: Redshift does not enforce them, unmatched plays have no song, and the load itself keeps the
/// star schema consistent (<c>sparkify check</c> verifies it).
/// </remarks>
/// <param name="options">Options built with <c>UseWarehouse</c>.</param>
public class WarehouseDbContext(DbContextOptions<WarehouseDbContext> options) : DbContext(options)
{
    /// <summary>Staged app events of the current load (<c>staging_events</c>).</summary>
    public DbSet<StagingEvent> StagingEvents => Set<StagingEvent>();

    /// <summary>Staged songs of the current load (<c>staging_songs</c>).</summary>
    public DbSet<StagingSong> StagingSongs => Set<StagingSong>();

    /// <summary>The fact table (<c>songplays</c>).</summary>
    public DbSet<SongPlay> SongPlays => Set<SongPlay>();

    /// <summary>The user dimension (<c>users</c>).</summary>
    public DbSet<User> Users => Set<User>();

    /// <summary>The song dimension (<c>songs</c>).</summary>
    public DbSet<Song> Songs => Set<Song>();

    /// <summary>The artist dimension (<c>artists</c>).</summary>
    public DbSet<Artist> Artists => Set<Artist>();

    /// <summary>The time dimension (<c>time</c>).</summary>
    public DbSet<TimeDimension> Time => Set<TimeDimension>();

    /// <summary>One row per load (<c>load_runs</c>).</summary>
    public DbSet<LoadRun> LoadRuns => Set<LoadRun>();

    /// <summary>Rejected records (<c>load_errors</c>).</summary>
    public DbSet<LoadError> LoadErrors => Set<LoadError>();

    /// <summary>The files successful loads consumed, one row per file (<c>load_files</c>).</summary>
    public DbSet<LoadFile> LoadFiles => Set<LoadFile>();

    /// <inheritdoc />
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);

        // Building the model from its configuration is most of a short command's start-up (about 0.8 s
        // of CPU). The compiled model is generated from this class's configuration under Npgsql's
        // PostgreSQL conventions (.ci/optimize-model.sh), and CompiledModelTests proves the two equal. So it
        // serves only this class (a derived context may add to the model) on PostgreSQL, and only when
        // no model was given; Redshift's model is built at run time. Migrations build the design-time
        // model they compare against either way.
        var options = optionsBuilder.Options;
        if (GetType() == typeof(WarehouseDbContext)
            && options.FindExtension<WarehouseOptionsExtension>()?.Provider == WarehouseProvider.Postgres
            && options.FindExtension<CoreOptionsExtension>()?.Model is null)
        {
            optionsBuilder.UseModel(WarehouseDbContextModel.Instance);
        }
    }

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // EF indexes every foreign-key column by convention. Here the relationships are navigations
        // only (no constraints), no query looks plays up by song or artist id, and each such index
        // costs the load a write per inserted play; the indexes that pay are declared explicitly.
        configurationBuilder.Conventions.Remove<ForeignKeyIndexConvention>();
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WarehouseDbContext).Assembly);
    }
}
