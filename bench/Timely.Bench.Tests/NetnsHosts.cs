using System.Diagnostics;
using System.Globalization;
using Timely.Testing;

namespace Timely.Bench.Tests;

/// <summary>
/// Two test hosts that are real to the transports: two Linux network namespaces joined by a
/// veth pair (10.251.X.1 and 10.251.X.2 on a /30 that exists only inside them), each with its
/// own mount namespace (a private tmpfs on <c>/dev/shm</c>) and UTS namespace (its own host
/// name, which is <c>--transport auto</c>'s default host identity). The <c>timely</c> processes
/// of a host run inside its namespaces (<c>nsenter</c> into a holder process). Created by the
/// constructor (root only: <see cref="UnavailableReason"/> says why not) and removed, with
/// every process started here, by <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Each host's holder is <c>ip netns exec NS unshare --mount --uts --propagation private sh -c
/// 'mount -t tmpfs ... /dev/shm &amp;&amp; hostname NAME &amp;&amp; exec cat'</c>: one pid
/// from <c>ip</c> to <c>cat</c>, alive while its stdin (a pipe from this process) is open, so
/// it ends with the test process even if <see cref="Dispose"/> never runs; its tmpfs goes
/// with the last process in its mount namespace. Its <c>/proc/PID/root</c>, <c>/proc/PID/net</c>
/// show the host's <c>/dev/shm</c> and network counters to the test.
/// </remarks>
internal sealed class NetnsHosts : IDisposable
{
    /// <summary>The veth end's name inside each namespace.</summary>
    public const string Link = "veth0";

    private static readonly Lazy<string?> Probe = new(ProbeNamespaces);
    private static int _instances;

    private readonly List<Child> _children = new();
    private readonly List<Host> _hosts = new();
    private readonly List<string> _namespaces = new();

    public NetnsHosts()
    {
        int n = Interlocked.Increment(ref _instances);
        string prefix = string.Create(CultureInfo.InvariantCulture, $"tn-{Environment.ProcessId}-{n}");
        string subnet = string.Create(CultureInfo.InvariantCulture, $"10.251.{n % 250}");
        try
        {
            string a = prefix + "-a", b = prefix + "-b";
            Ip("netns", "add", a);
            _namespaces.Add(a);
            Ip("netns", "add", b);
            _namespaces.Add(b);

            // Both ends are created inside the namespaces: no interface ever appears in this one.
            Ip("-n", a, "link", "add", Link, "type", "veth", "peer", "name", Link, "netns", b);
            Ip("-n", a, "addr", "add", subnet + ".1/30", "dev", Link);
            Ip("-n", b, "addr", "add", subnet + ".2/30", "dev", Link);
            foreach (string ns in _namespaces)
            {
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "link", "set", Link, "up");
            }

            A = StartHost(a, subnet + ".1");
            B = StartHost(b, subnet + ".2");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why namespace hosts cannot be made here (not root, <c>ip</c> missing, <c>ip netns add</c> refused...); null when they can.</summary>
    public static string? UnavailableReason => Probe.Value;

    public Host A { get; }

    public Host B { get; }

    /// <summary>Starts <c>dotnet timely.dll ARGS</c> inside <paramref name="host"/>'s namespaces, output captured.</summary>
    public Child Start(Host host, IEnumerable<string> timelyArguments)
    {
        ArgumentNullException.ThrowIfNull(host);
        var info = new ProcessStartInfo(Tool("nsenter"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-t", host.HolderId.ToString(CultureInfo.InvariantCulture), "-m", "-u", "-n", "--", "dotnet", TimelyDll.Path }.Concat(timelyArguments))
        {
            info.ArgumentList.Add(arg);
        }

        var child = new Child(info);
        _children.Add(child);
        return child;
    }

    /// <summary>Sets <paramref name="host"/>'s end of the veth down (a partition between the hosts) or up again.</summary>
    public static void SetLink(Host host, bool up)
    {
        ArgumentNullException.ThrowIfNull(host);
        Ip("-n", host.Namespace, "link", "set", Link, up ? "up" : "down");
    }

    public void Dispose()
    {
        foreach (var child in _children)
        {
            child.Dispose();
        }

        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        var left = new List<string>();
        foreach (string ns in _namespaces)
        {
            var (code, error) = Run(Tool("ip"), ["netns", "del", ns]);
            if (code != 0)
            {
                left.Add($"{ns} ({error.Trim()})");
            }
        }

        _namespaces.Clear();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"could not delete network namespaces {string.Join(", ", left)}");
        }
    }

    private Host StartHost(string ns, string address)
    {
        var info = new ProcessStartInfo(Tool("ip"))
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "netns", "exec", ns, Tool("unshare"), "--mount", "--uts", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=256m tmpfs /dev/shm && hostname \"$0\" && exec cat", ns })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{ns}: ip did not start");
        var host = new Host(ns, address, process);
        _hosts.Add(host);

        // Ready once the pid runs cat: the mount and the host name are in place.
        var deadline = Stopwatch.StartNew();
        while (ReadOrNull($"/proc/{process.Id}/comm")?.Trim() != "cat")
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"{ns}: the host holder did not start: {(process.HasExited ? process.StandardError.ReadToEnd() : "still not running cat after 30 s")}");
            }

            Thread.Yield();
        }

        return host;
    }

    private static string? ProbeNamespaces()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "not running as root (ip netns add needs it)";
        }

        foreach (string tool in new[] { "ip", "unshare", "nsenter", "sh", "mount" })
        {
            if (FindTool(tool) is null)
            {
                return $"'{tool}' is not installed (ip is in iproute2; unshare, nsenter and mount in util-linux)";
            }
        }

        string ns = string.Create(CultureInfo.InvariantCulture, $"tn-{Environment.ProcessId}-probe");
        var (added, addError) = Run(Tool("ip"), ["netns", "add", ns]);
        if (added != 0)
        {
            return $"ip netns add failed: {addError.Trim()}";
        }

        try
        {
            var (mounted, mountError) = Run(Tool("ip"), ["netns", "exec", ns, Tool("unshare"), "--mount", "--uts", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm && hostname \"$0\"", ns]);
            return mounted == 0 ? null : $"a private /dev/shm and host name inside a namespace failed: {mountError.Trim()}";
        }
        finally
        {
            Run(Tool("ip"), ["netns", "del", ns]);
        }
    }

    private static void Ip(params string[] args)
    {
        var (code, error) = Run(Tool("ip"), args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {error.Trim()}");
        }
    }

    private static (int ExitCode, string Stderr) Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.GetAwaiter().GetResult();
        return (process.ExitCode, error);
    }

    private static string Tool(string name) => FindTool(name) ?? throw new InvalidOperationException($"'{name}' is not installed");

    /// <summary>The tool on PATH, or in the sbin directories a non-login PATH may lack.</summary>
    private static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;   // not there yet, or gone
        }
    }

    /// <summary>One namespace host: its network namespace, its address on the veth, and its holder process.</summary>
    internal sealed class Host : IDisposable
    {
        private readonly Process _holder;

        public Host(string ns, string address, Process holder)
        {
            Namespace = ns;
            Address = address;
            _holder = holder;
        }

        public string Namespace { get; }

        public string Address { get; }

        /// <summary>The holder's pid: <c>nsenter -t</c> target, and the way in to the host's /proc views.</summary>
        public int HolderId => _holder.Id;

        /// <summary>Names in this host's private <c>/dev/shm</c>.</summary>
        public string[] ShmEntries() =>
            Directory.GetFileSystemEntries($"/proc/{HolderId}/root/dev/shm").Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

        /// <summary>Bytes received plus sent on this host's veth end (<c>/proc/PID/net/dev</c>).</summary>
        public long LinkBytes()
        {
            // The 16 counters after "veth0:": receive bytes, packets, ... (8 of them), then transmit bytes, ...
            string line = File.ReadAllLines($"/proc/{HolderId}/net/dev").Single(l => l.TrimStart().StartsWith(Link + ":", StringComparison.Ordinal));
            string[] fields = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[0], CultureInfo.InvariantCulture) + long.Parse(fields[8], CultureInfo.InvariantCulture);
        }

        /// <summary>Established TCP connections of this host whose far end is at <paramref name="remote"/> (<c>/proc/PID/net/tcp</c>).</summary>
        public int EstablishedTo(string remote) => SocketsTo(remote).Count(f => f[3] == "01");

        /// <summary>
        /// The most retransmission timeouts any TCP socket of this host towards <paramref name="remote"/>
        /// has had since it last got an acknowledgement (<c>retrnsmt</c> of <c>/proc/PID/net/tcp</c>).
        /// </summary>
        public int RetransmitTimeoutsTo(string remote) =>
            SocketsTo(remote).Select(f => int.Parse(f[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

        private IEnumerable<string[]> SocketsTo(string remote)
        {
            // Addresses are little-endian hex: 10.251.X.2 is 02XXFB0A.
            byte[] octets = remote.Split('.').Select(o => byte.Parse(o, CultureInfo.InvariantCulture)).Reverse().ToArray();
            string hex = Convert.ToHexString(octets);
            return File.ReadAllLines($"/proc/{HolderId}/net/tcp").Skip(1)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f[2].StartsWith(hex + ":", StringComparison.Ordinal));
        }

        public void Dispose()
        {
            if (!_holder.HasExited)
            {
                _holder.StandardInput.Close();   // cat ends at end of input
                if (!_holder.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    _holder.Kill();
                    _holder.WaitForExit();
                }
            }

            _holder.Dispose();
        }
    }

    /// <summary>A <c>timely</c> process inside a namespace host, its output read as it runs and its exit time taken when it exits.</summary>
    internal sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;
        private long _exitedAt;

        public Child(ProcessStartInfo info)
        {
            _process = new Process { StartInfo = info, EnableRaisingEvents = true };
            _process.Exited += (_, _) => Interlocked.CompareExchange(ref _exitedAt, Stopwatch.GetTimestamp(), 0);
            _process.Start();
            _stdout = _process.StandardOutput.ReadToEndAsync();
            _stderr = _process.StandardError.ReadToEndAsync();
        }

        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        /// <summary>When the process exited (<see cref="Stopwatch"/> timestamp); after <see cref="Finish"/>.</summary>
        public long ExitedAt => Interlocked.Read(ref _exitedAt);

        /// <summary>Waits for exit (killing it past <paramref name="deadline"/>, which fails the test) and returns its exit code and output.</summary>
        public (int ExitCode, string Stdout, string Stderr) Finish(TimeSpan deadline)
        {
            if (!_process.WaitForExit(deadline))
            {
                _process.Kill();
                _process.WaitForExit();
                Assert.Fail($"timely {string.Join(' ', _process.StartInfo.ArgumentList.Skip(8))} did not exit within {deadline.TotalSeconds} s; stdout: {_stdout.GetAwaiter().GetResult()} stderr: {_stderr.GetAwaiter().GetResult()}");
            }

            _process.WaitForExit();   // drains the redirected streams and raises Exited
            if (Interlocked.Read(ref _exitedAt) == 0)
            {
                Interlocked.CompareExchange(ref _exitedAt, Stopwatch.GetTimestamp(), 0);
            }

            return (_process.ExitCode, _stdout.GetAwaiter().GetResult(), _stderr.GetAwaiter().GetResult());
        }

        /// <summary>Whether the process runs a thread whose name starts with <paramref name="prefix"/> (<c>/proc/PID/task/*/comm</c>).</summary>
        public bool HasThread(string prefix)
        {
            try
            {
                return Directory.EnumerateDirectories($"/proc/{_process.Id}/task")
                    .Any(task => ReadOrNull(Path.Combine(task, "comm"))?.StartsWith(prefix, StringComparison.Ordinal) == true);
            }
            catch (IOException)
            {
                return false;   // gone
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
