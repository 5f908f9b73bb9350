using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sparkify.Warehouse.Cli;

/// <summary>
/// What every command needs: the host's services and configuration, and where to write. The host is
/// built after the command line is parsed (its flags and <c>--config</c> file are configuration), so
/// <see cref="Services"/> is available when a command runs, not while the command tree is built.
/// </summary>
internal sealed class CliContext(TextWriter output, TextWriter error)
{
    private IServiceProvider? _services;

    public IServiceProvider Services => _services
        ?? throw new InvalidOperationException("The host is built once the command line is parsed; use services from a command's action.");

    public IConfiguration Configuration => Services.GetRequiredService<IConfiguration>();

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    internal void Attach(IServiceProvider services) => _services = services;
}
