namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Checks SQL with a real Redshift parser: sqlfluff's <c>redshift</c> dialect.</summary>
internal static class Sqlfluff
{
    public static async Task AssertParsesAsync(string sql)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sparkify-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, sql);
        try
        {
            CliResult result;
            try
            {
                result = await ProcessRunner.RunAsync("sqlfluff", ["parse", "--dialect", "redshift", file]);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException("sqlfluff is not installed: run .ci/install-prereqs.sh (Debian package 'sqlfluff').");
            }

            var unparsable = result.Out.Split('\n').Where(line => line.Contains("unparsable", StringComparison.OrdinalIgnoreCase)).Take(10).ToList();
            Assert.True(result.ExitCode == 0 && unparsable.Count == 0,
                $"sqlfluff (redshift) rejected the SQL:\n{string.Join('\n', unparsable)}\n{result.Error}\n--- SQL ---\n{sql}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
