using Microsoft.Extensions.Configuration;

namespace Sparkify.Warehouse.Cli;

/// <summary>What every command needs: the host's services and configuration, and where to write.</summary>
internal sealed record CliContext(IServiceProvider Services, IConfiguration Configuration, TextWriter Out, TextWriter Error);
