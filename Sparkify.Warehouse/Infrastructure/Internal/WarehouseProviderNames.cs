using System.ComponentModel;
using System.Globalization;

namespace Sparkify.Warehouse.Infrastructure.Internal;

/// <summary>The names a <see cref="WarehouseProvider"/> is written as in configuration and on the command line.</summary>
internal static class WarehouseProviderNames
{
    /// <summary>The accepted names, for messages.</summary>
    public const string Accepted = "postgres, redshift";

    /// <summary>Parses <c>postgres</c> (or <c>postgresql</c>) and <c>redshift</c>, ignoring case; never numbers.</summary>
    public static bool TryParse(string? text, out WarehouseProvider provider)
    {
        var name = text?.Trim();
        if (string.Equals(name, "postgres", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "postgresql", StringComparison.OrdinalIgnoreCase))
        {
            provider = WarehouseProvider.Postgres;
            return true;
        }

        if (string.Equals(name, "redshift", StringComparison.OrdinalIgnoreCase))
        {
            provider = WarehouseProvider.Redshift;
            return true;
        }

        provider = default;
        return false;
    }

    /// <summary>The name configuration and the command line use.</summary>
    public static string Format(WarehouseProvider provider) => provider switch
    {
        WarehouseProvider.Postgres => "postgres",
        WarehouseProvider.Redshift => "redshift",
        _ => ((int)provider).ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Lets the configuration binder read the same provider names as the command line (<c>postgresql</c>
/// included), and refuse numbers, which the default enum conversion would accept. An empty value
/// (<c>Sparkify__Provider=</c>) means the default, as an empty string setting means "not set".
/// </summary>
internal sealed class WarehouseProviderConverter() : EnumConverter(typeof(WarehouseProvider))
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is not string text)
        {
            return base.ConvertFrom(context, culture, value);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return default(WarehouseProvider);
        }

        return WarehouseProviderNames.TryParse(text, out var provider)
            ? provider
            : throw new FormatException($"'{text}' is not a warehouse provider; accepted: {WarehouseProviderNames.Accepted}.");
    }
}
