using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sparkify.Warehouse.LocalServer;

// The generated password (mode 0600) and server.json, both written atomically.
public sealed partial class LocalPostgresServer
{
    private string EnsurePassword()
    {
        if (File.Exists(PasswordPath))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(PasswordPath) & ~OwnerOnlyFile) != 0)
            {
                File.SetUnixFileMode(PasswordPath, OwnerOnlyFile);
            }

            var stored = File.ReadAllText(PasswordPath).Trim();
            if (stored.Length == 0)
            {
                throw new InvalidOperationException(
                    $"{PasswordPath} is empty. Delete {Home} to recreate the local server (its data is lost).");
            }

            return stored;
        }

        if (ClusterExists)
        {
            throw new InvalidOperationException(
                $"{PasswordPath} is missing, so the existing cluster in {DataDirectory} cannot be used. Delete {Home} to recreate the local server (its data is lost).");
        }

        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var password = RandomNumberGenerator.GetString(alphabet, PasswordLength);
        WriteFileAtomically(PasswordPath, password + "\n");
        return password;
    }

    private void WriteServerJson(int port)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("port", port);
            writer.WriteString("user", UserName);
            writer.WriteString("database", DefaultDatabase);
            writer.WriteEndObject();
        }

        WriteFileAtomically(ServerJsonPath, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    private int? ReadRecordedPort()
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(ServerJsonPath));
            return document.RootElement.TryGetProperty("port", out var port) && port.TryGetInt32(out var value) && value is > 0 and <= 65535
                ? value
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes through a temporary file and a rename, so a crash never leaves a half-written file behind.</summary>
    private static void WriteFileAtomically(string path, string contents)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(contents));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
