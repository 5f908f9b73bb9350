using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sparkify.Warehouse;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading;

// ReSharper disable once CheckNamespace — declared here, as hosting conventions expect, so it is found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Sparkify warehouse with a service collection (Generic Host, ASP.NET Core, workers).</summary>
public static class WarehouseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the warehouse configured by section <c>Sparkify</c> of <paramref name="configuration"/>:
    /// <see cref="IOptions{TOptions}"/> of <see cref="WarehouseOptions"/> (validated when the host starts),
    /// <see cref="WarehouseDbContext"/> (scoped) and <see cref="IDbContextFactory{TContext}"/> of it, both
    /// configured with <c>UseWarehouse</c> for the configured provider, and <see cref="WarehouseLoader"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Keys: <c>Sparkify:Provider</c> (<c>postgres</c> or <c>redshift</c>), <c>Sparkify:ConnectionString</c>
    /// (or <c>ConnectionStrings:Warehouse</c>), <c>Sparkify:IamRole</c>, <c>Sparkify:MaxErrors</c>,
    /// <c>Sparkify:S3:ServiceUrl</c>, <c>Sparkify:S3:Region</c>, <c>Sparkify:S3:Anonymous</c>; any
    /// configuration source works (<c>appsettings.json</c>, environment variables such as
    /// <c>Sparkify__ConnectionString</c>, user secrets).
    /// </para>
    /// <para>
    /// When the host starts, a value that cannot be used (an unknown provider, a missing or malformed
    /// connection string, a negative <c>MaxErrors</c>, a malformed S3 endpoint, ...) stops it with an
    /// <see cref="OptionsValidationException"/> whose messages name the setting. Outside a host, call
    /// <c>IStartupValidator.Validate()</c> to get the same check.
    /// </para>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (its root, not the <c>Sparkify</c> section).</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddSparkifyWarehouse(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddSparkifyWarehouse(services, configuration, configure: null, connectionRequired: true);
    }

    /// <summary>
    /// Registers the warehouse configured in code; otherwise as
    /// <see cref="AddSparkifyWarehouse(IServiceCollection, IConfiguration)"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddSparkifyWarehouse(o =>
    /// {
    ///     o.Provider = WarehouseProvider.Redshift;
    ///     o.ConnectionString = redshiftConnectionString;
    ///     o.IamRole = "arn:aws:iam::123456789012:role/dwhRole";
    /// });
    /// </code>
    /// </example>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddSparkifyWarehouse(this IServiceCollection services, Action<WarehouseOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return AddSparkifyWarehouse(services, configuration: null, configure, connectionRequired: true);
    }

    /// <summary>
    /// Registers the warehouse configured by <paramref name="configuration"/> as
    /// <see cref="AddSparkifyWarehouse(IServiceCollection, IConfiguration)"/> does, and says whether a
    /// missing connection string stops the host.
    /// </summary>
    /// <remarks>
    /// Pass <paramref name="connectionRequired"/> false when the app supplies the connection later, for
    /// example by starting the embedded <c>LocalPostgresServer</c> when none is configured, or when it only
    /// writes scripts. Every other setting is still validated when the host starts; a context or loader
    /// used without a connection string fails when it first connects.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (its root, not the <c>Sparkify</c> section).</param>
    /// <param name="connectionRequired">Whether a missing connection string is a start-up error.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddSparkifyWarehouse(this IServiceCollection services, IConfiguration configuration, bool connectionRequired)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddSparkifyWarehouse(services, configuration, configure: null, connectionRequired);
    }

    /// <summary>The registration behind the public overloads.</summary>
    private static IServiceCollection AddSparkifyWarehouse(IServiceCollection services, IConfiguration? configuration, Action<WarehouseOptions>? configure, bool connectionRequired)
    {
        var options = services.AddOptions<WarehouseOptions>();
        if (configuration is not null)
        {
            options.Configure(o => WarehouseOptionsBinding.Bind(configuration, o));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        var names = configuration is null ? WarehouseSettingNames.Properties : WarehouseSettingNames.Configuration;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WarehouseOptions>>(new WarehouseOptionsValidator(names, connectionRequired)));

        services.AddDbContextFactory<WarehouseDbContext>((provider, builder) =>
        {
            var warehouse = provider.GetRequiredService<IOptions<WarehouseOptions>>().Value;
            WarehouseDbContextOptionsBuilderExtensions.UseWarehouseCore(builder, warehouse.ConnectionString, warehouse.Provider);
        });
        services.TryAddTransient(provider => new WarehouseLoader(
            provider.GetRequiredService<IOptions<WarehouseOptions>>().Value,
            provider.GetService<ILogger<WarehouseLoader>>()));
        return services;
    }
}
