using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Sparkify.Warehouse.CompiledModel;

namespace Sparkify.Warehouse.Tests.Metadata;

/// <summary>
/// The generated compiled model stands in for the model EF builds from the configuration, so it must be
/// that model: a change to an entity or its configuration fails here until .ci/optimize-model.sh is rerun.
/// </summary>
public sealed class CompiledModelTests
{
    [Fact]
    public void Compiled_model_equals_the_model_built_from_the_configuration_on_PostgreSQL()
    {
        using var built = new ModelBuiltAtRunTime(Options(WarehouseProvider.Postgres));

        Assert.Equal(Describe(built.Model), Describe(WarehouseDbContextModel.Instance));
    }

    [Fact]
    public void PostgreSQL_contexts_use_the_compiled_model()
    {
        using var context = new WarehouseDbContext(Options(WarehouseProvider.Postgres));

        Assert.Same(WarehouseDbContextModel.Instance, context.Model);
    }

    [Fact]
    public void Redshift_contexts_build_their_model_at_run_time()
    {
        using var redshift = new WarehouseDbContext(Options(WarehouseProvider.Redshift));
        using var builtRedshift = new ModelBuiltAtRunTime(Options(WarehouseProvider.Redshift));

        Assert.NotSame(WarehouseDbContextModel.Instance, redshift.Model);
        Assert.Equal(Describe(builtRedshift.Model), Describe(redshift.Model));
    }

    [Fact]
    public void A_given_model_and_a_derived_context_are_left_alone()
    {
        using var derived = new ModelBuiltAtRunTime(Options(WarehouseProvider.Postgres));
        Assert.NotSame(WarehouseDbContextModel.Instance, derived.Model);

        using var builtModelSource = new ModelBuiltAtRunTime(Options(WarehouseProvider.Postgres));
        var given = builtModelSource.Model;
        using var withGivenModel = new WarehouseDbContext(
            new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost").UseModel(given).Options);
        Assert.Same(given, withGivenModel.Model);
    }

    private static DbContextOptions<WarehouseDbContext> Options(WarehouseProvider provider)
        => new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost", provider).Options;

    private static string Describe(IModel model) => model.ToDebugString(MetadataDebugStringOptions.LongDefault);

    // EF caches a model per context type, and the compiled model serves WarehouseDbContext only, so a
    // derived type with the same configuration gets the model built at run time.
    private sealed class ModelBuiltAtRunTime(DbContextOptions<WarehouseDbContext> options) : WarehouseDbContext(options);
}
