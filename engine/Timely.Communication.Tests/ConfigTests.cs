using Timely.Testing;

namespace Timely.Communication.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void No_flags_is_one_thread()
    {
        var c = Config.FromArgs([], out var rest);
        Assert.Equal(CommunicationKind.Thread, c.Kind);
        Assert.Equal(1, c.Peers);
        Assert.Empty(rest);
    }

    [Fact]
    public void Threads_make_a_process_and_zerocopy_a_process_binary()
    {
        var c = Config.FromArgs(["-w", "4", "pingpong", "100"], out var rest);
        Assert.Equal(CommunicationKind.Process, c.Kind);
        Assert.Equal(4, c.Threads);
        Assert.Equal(["pingpong", "100"], rest);

        var z = Config.FromArgs(["--threads=3", "-z"], out _);
        Assert.Equal(CommunicationKind.ProcessBinary, z.Kind);
        Assert.Equal(3, z.Threads);
    }

    [Fact]
    public void Processes_make_a_cluster_with_default_addresses()
    {
        var c = Config.FromArgs(["-w", "2", "-n", "3", "-p", "1", "--transport", "shm", "--pin", "--cores", "1,0"], out _);
        Assert.Equal(CommunicationKind.Cluster, c.Kind);
        Assert.Equal(1, c.ProcessIndex);
        Assert.Equal(6, c.Peers);
        Assert.Equal(TransportKind.Shm, c.Transport);
        Assert.Equal(["127.0.0.1:2101", "127.0.0.1:2102", "127.0.0.1:2103"], c.Addresses);
        Assert.True(c.Pin);
        Assert.Equal([1, 0], c.Cores!);
        Assert.Equal(0, Affinity.CoreFor(c, 1));
    }

    [Fact]
    public void Hostfile_supplies_addresses()
    {
        string path = Path.Combine(Path.GetTempPath(), $"timely-hosts-{Guid.NewGuid():N}");
        File.WriteAllLines(path, ["# cluster", "10.0.0.1:2101", "", "10.0.0.2:2101"]);
        try
        {
            var c = Config.FromArgs(["-n", "2", "-p", "0", "-h", path], out _);
            Assert.Equal(["10.0.0.1:2101", "10.0.0.2:2101"], c.Addresses);
            var tooFew = Assert.Throws<ConfigException>(() => Config.FromArgs(["-n", "3", "-h", path], out _));
            Assert.Contains("lists 2 addresses", tooFew.Message, StringComparison.Ordinal);
            File.WriteAllLines(path, ["# cluster", "10.0.0.1:2101", "", "10.0.0.2"]);
            var badLine = Assert.Throws<ConfigException>(() => Config.FromArgs(["-n", "2", "-p", "0", "-h", path], out _));
            Assert.Contains("line 4 of", badLine.Message, StringComparison.Ordinal);
            Assert.Contains("'10.0.0.2', not host:port", badLine.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "-w" }, "-w: a value is required")]
    [InlineData(new[] { "-w", "x" }, "-w: 'x' is not an integer")]
    [InlineData(new[] { "-w", "0" }, "-w: 0 is outside 1..4096")]
    [InlineData(new[] { "--transport", "udp" }, "'udp' is not one of auto, shm, tcp")]
    [InlineData(new[] { "-p", "2" }, "without -n/--processes")]
    [InlineData(new[] { "-n", "2", "-p", "2" }, "-p/--process: 2 is outside 0..1 (-n/--processes is 2)")]
    [InlineData(new[] { "-p", "0" }, "-p/--process 0 given without -n/--processes")]
    [InlineData(new[] { "--ring-bytes", "1000" }, "--ring-bytes: 1000 is outside 4096..1073741824")]
    [InlineData(new[] { "--host-id", " " }, "--host-id: the host identity is empty")]
    [InlineData(new[] { "--cores", "0,-1" }, "--cores: -1 is outside 0..")]
    [InlineData(new[] { "--cores", "4095" }, "--cores: 4095 is outside 0..")]
    [InlineData(new[] { "--ring-bytes", "5000" }, "5000 is not a power of two")]
    [InlineData(new[] { "-h", "/nonexistent/timely-hostfile" }, "cannot read")]
    [InlineData(new[] { "--job", "../escape" }, "--job: '../escape' is not a job name")]
    [InlineData(new[] { "--job", "run/7" }, "--job: 'run/7' is not a job name")]
    [InlineData(new[] { "--job", "run 7" }, "--job: 'run 7' is not a job name")]
    [InlineData(new[] { "--connect-timeout", "soon" }, "--connect-timeout: 'soon' is not a number of seconds")]
    [InlineData(new[] { "--peer-timeout", "0" }, "--peer-timeout: 0 s is outside")]
    [InlineData(new[] { "--peer-timeout", "0.05" }, "--peer-timeout: 0.05 s is below the minimum 0.5 s")]
    public void Bad_flags_are_refused_with_the_flag_named(string[] args, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Config.FromArgs(args, out _));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shared_memory_flags_set_job_directory_and_timeouts()
    {
        var c = Config.FromArgs(["-n", "2", "-p", "1", "--transport=shm", "--job", "run-7", "--shm-dir", "/tmp/x", "--connect-timeout", "2.5", "--peer-timeout=0.5"], out var rest);
        Assert.Empty(rest);
        Assert.Equal("run-7", c.JobName);
        Assert.Equal("run-7", c.EffectiveJobName);
        Assert.Equal("/tmp/x", c.ShmDirectory);
        Assert.Equal(TimeSpan.FromSeconds(2.5), c.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(0.5), c.PeerTimeout);

        var d = Config.FromArgs(["-n", "2"], out _);
        Assert.Null(d.JobName);
        Assert.Equal(Config.DefaultConnectTimeout, d.ConnectTimeout);
        Assert.Equal(Config.DefaultPeerTimeout, d.PeerTimeout);
    }

    [Fact]
    public void Processes_started_alike_derive_the_same_job_name_and_other_address_lists_another()
    {
        var p0 = Config.FromArgs(["-n", "2", "-p", "0", "-w", "2"], out _);
        var p1 = Config.FromArgs(["-n", "2", "-p", "1", "-w", "2"], out _);
        var three = Config.FromArgs(["-n", "3", "-p", "0", "-w", "2"], out _);
        Assert.Equal(p0.EffectiveJobName, p1.EffectiveJobName);
        Assert.NotEqual(p0.EffectiveJobName, three.EffectiveJobName);
        Assert.StartsWith("auto-", p0.EffectiveJobName, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tcp_cluster_whose_peer_never_connects_fails_within_the_connect_timeout_naming_it()
    {
        var c = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
        var e = Assert.Throws<ConfigException>(() => Workers.Initialize(c, _ => 0));
        Assert.Contains("process 1 never connected", e.Message, StringComparison.Ordinal);
        Assert.IsType<Timely.Transport.Tcp.TcpTransportException>(e.InnerException);
    }

    [Fact]
    public void Tcp_flags_parse_into_the_cluster_config()
    {
        var c = Config.FromArgs(["-n", "2", "-p", "1", "--transport", "tcp", "--max-message-bytes", "4096", "--host-id", "box-a", "--connect-timeout", "1.5"], out _);
        Assert.Equal(TransportKind.Tcp, c.Transport);
        Assert.Equal(4096, c.MaxMessageBytes);
        Assert.Equal("box-a", c.HostIdentity);
        Assert.Equal(TimeSpan.FromSeconds(1.5), c.ConnectTimeout);
        Assert.Equal(["127.0.0.1:2101", "127.0.0.1:2102"], c.Addresses);
    }
}
