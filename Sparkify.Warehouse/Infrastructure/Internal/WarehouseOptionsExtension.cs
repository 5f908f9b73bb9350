using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.DependencyInjection;
using Sparkify.Warehouse.Queries.Internal;

namespace Sparkify.Warehouse.Infrastructure.Internal;

/// <summary>Carries the warehouse target inside the EF options, so migrations and query services can read it.</summary>
internal sealed class WarehouseOptionsExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public WarehouseOptionsExtension(WarehouseProvider provider) => Provider = provider;

    public WarehouseProvider Provider { get; }

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        // The migrations services are swapped through ReplaceService in UseWarehouse, which wins over
        // Npgsql's TryAdd registrations regardless of extension order. Method translators are a
        // multi-registration service: the plugin is added beside Npgsql's, as EF's own plugins are.
        new EntityFrameworkRelationalServicesBuilder(services)
            .TryAdd<IMethodCallTranslatorPlugin, WarehouseMethodCallTranslatorPlugin>();
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(WarehouseOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        private new WarehouseOptionsExtension Extension => (WarehouseOptionsExtension)base.Extension;

        public override bool IsDatabaseProvider => false;

        public override string LogFragment => $"Warehouse={Extension.Provider} ";

        public override int GetServiceProviderHashCode() => Extension.Provider.GetHashCode();

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other)
            => other is ExtensionInfo info && info.Extension.Provider == Extension.Provider;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
            => debugInfo["Sparkify:Warehouse"] = Extension.Provider.ToString();
    }
}
