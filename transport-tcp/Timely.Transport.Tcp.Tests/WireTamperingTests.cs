using Timely.Testing;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// Two real <c>timely</c> processes with a relay between them that drops, repeats, forges or
/// flips one frame of process 1's stream: both end with exit 1 and one line that names the peer,
/// the frame and its offset in the stream, never a hang and never a trace. Before frames carried
/// their checks, each of these left both processes idle for ever with heartbeats flowing, or
/// ended in an index out of range inside progress tracking.
/// </summary>
public sealed class WireTamperingTests
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "drop", 0, "lost in transit" },
        { "duplicate", 0, "repeated or inserted in transit" },
        { "forged end of stream", 0, "header checksum mismatch" },
        { "flip", 1, "checksum mismatch" },
        { "flip", 2, "checksum mismatch" },
        { "flip", 3, "checksum mismatch" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_tampered_frame_ends_both_processes_with_an_error_naming_the_peer_and_the_offset(string mode, int seed, string expected)
    {
        var addresses = Loopback.FreeAddresses(3);   // process 0, process 1, the relay
        string zeroHosts = WriteHostfile(addresses[0], addresses[1]);
        string oneHosts = WriteHostfile(addresses[2], addresses[1]);   // process 1 reaches process 0 through the relay
        string job = "tamper-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var relay = new TamperingRelay(addresses[2], addresses[0], mode, 20, seed);
            string args = $"barrier 5000 -n 2 --transport tcp --job {job} --connect-timeout 20";
            var zero = TimelyChild.Start($"{args} -p 0 -h {zeroHosts}");
            var one = TimelyChild.Start($"{args} -p 1 -h {oneHosts}");
            var (zeroExit, _, zeroErr) = zero.Finish();
            var (oneExit, _, oneErr) = one.Finish();
            Assert.True(relay.Tampered, "the stream ended before the frame to tamper with");

            Assert.Equal(1, zeroExit);
            Assert.Equal(1, oneExit);
            Assert.Contains($"process 1 at {addresses[1]}", zeroErr, StringComparison.Ordinal);
            Assert.Contains("worker 1 of process 1 (remote) failed", zeroErr, StringComparison.Ordinal);   // not one of process 0's own workers
            Assert.Contains(expected, zeroErr, StringComparison.Ordinal);
            Assert.Matches(@"frame \d+", zeroErr);
            Assert.Contains("stream byte", zeroErr, StringComparison.Ordinal);
            foreach (string err in new[] { zeroErr, oneErr })
            {
                Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
                Assert.StartsWith("timely: ", err, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(zeroHosts);
            File.Delete(oneHosts);
        }
    }

    private static string WriteHostfile(params string[] addresses)
    {
        string path = Path.Combine(Path.GetTempPath(), $"timely-hosts-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, addresses);
        return path;
    }
}
