using Timely.Communication.Fabrics;
using Timely.Transport.Tcp;

namespace Timely.Communication.Tests;

/// <summary>
/// The cluster secret's sources (<c>--secret-file</c>, <c>TIMELY_SECRET</c>): a file anyone
/// but its owner may read is refused with a message saying what to do; the file's trailing
/// line end does not count. Files live in a directory each test creates and removes.
/// </summary>
public sealed class TcpSecretTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("timely-secret-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("0644")]
    [InlineData("0640")]
    [InlineData("0604")]
    [InlineData("0660")]
    public void A_secret_file_that_group_or_others_may_read_is_refused_with_a_clear_message(string mode)
    {
        string path = Write("s3cret\n", Convert.ToInt32(mode, 8));
        var e = Assert.Throws<ConfigException>(() => Config.FromArgs(["-n", "2", "-p", "0", "--transport", "tcp", "--secret-file", path], out _));
        Assert.Equal($"--secret-file '{path}': mode {mode} lets group or others at it; a secret file must be readable only by its owner (chmod 600 '{path}').", e.Message);
    }

    [Fact]
    public void A_secret_file_of_mode_0600_gives_the_same_secret_as_the_variable_with_its_text()
    {
        string path = Write("s3cret\n", Convert.ToInt32("600", 8));
        var config = Config.FromArgs(["-n", "2", "-p", "0", "--transport", "tcp", "--secret-file", path], out _);
        Assert.NotNull(config.Secret);
        Assert.Equal(Proof(SecretSource.Load(null, "s3cret")!), Proof(config.Secret));
        Assert.NotEqual(Proof(SecretSource.Load(null, "other")!), Proof(config.Secret));
        Assert.Equal("ClusterSecret(hidden)", config.Secret.ToString());
        Assert.DoesNotContain("s3cret", config.ToString(), StringComparison.Ordinal);
        Assert.Equal(Proof(config.Secret), Proof(TcpFabric.OptionsOf(config).Secret!));
    }

    [Fact]
    public void The_file_wins_over_the_variable_and_neither_means_no_secret()
    {
        string path = Write("from-file", Convert.ToInt32("600", 8));
        Assert.Equal(Proof(SecretSource.Load(null, "from-file")!), Proof(SecretSource.Load(path, "from-env")!));
        Assert.Null(SecretSource.Load(null, null));
    }

    [Fact]
    public void An_empty_secret_is_refused()
    {
        string path = Write("\n", Convert.ToInt32("600", 8));
        Assert.Contains("is empty", Assert.Throws<ConfigException>(() => SecretSource.Load(path, null)).Message, StringComparison.Ordinal);
        Assert.Contains("TIMELY_SECRET is set but empty", Assert.Throws<ConfigException>(() => SecretSource.Load(null, string.Empty)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_secret_file_is_named()
    {
        string path = Path.Combine(_dir.FullName, "absent");
        var e = Assert.Throws<ConfigException>(() => SecretSource.Load(path, null));
        Assert.StartsWith($"--secret-file: cannot read '{path}'", e.Message, StringComparison.Ordinal);
    }

    private static string Proof(ClusterSecret secret)
    {
        var proof = new byte[ClusterSecret.ProofSize];
        secret.ConnectorProof(new byte[Handshake.Size], 1, 0, proof);
        return Convert.ToHexString(proof);
    }

    private string Write(string text, int mode)
    {
        string path = Path.Combine(_dir.FullName, "secret");
        File.WriteAllText(path, text);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes are Unix permission bits");
        }

        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }
}
