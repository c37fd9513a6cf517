using System.IO.Pipes;
using System.Text;
using Timely.Bench.Launch;

namespace Timely.Bench.Tests;

/// <summary>
/// The launcher's relay reads a child's pipe with read(2) on its descriptor
/// (<see cref="PosixPoll.Read"/>), not through the pipe's stream: every byte written arrives, in
/// order, and the writer's close reads as 0, the end the relay closes the pipe on.
/// </summary>
public sealed class PosixPollReadTests
{
    [Fact]
    public void A_pipes_bytes_arrive_in_order_and_its_close_reads_as_the_end()
    {
        if (OperatingSystem.IsWindows())
        {
            return;   // the relay is the Unix launcher's; Windows has no read(2) on a pipe handle
        }

        using var reader = new AnonymousPipeServerStream(PipeDirection.In);
        int descriptor = (int)reader.SafePipeHandle.DangerousGetHandle();
        byte[] sent = Encoding.UTF8.GetBytes("[p1] first line\nsecond é→✓\n" + new string('x', 5000));
        using (var writer = new AnonymousPipeClientStream(PipeDirection.Out, reader.ClientSafePipeHandle))
        {
            writer.Write(sent);
        }

        reader.DisposeLocalCopyOfClientHandle();
        var received = new List<byte>();
        byte[] buffer = new byte[1000];   // smaller than what was sent: several reads
        int reads = 0;
        while (PosixPoll.Read(descriptor, buffer) is int read and > 0)
        {
            received.AddRange(buffer.AsSpan(0, read));
            reads++;
        }

        Assert.Equal(sent, received);
        Assert.True(reads >= sent.Length / buffer.Length, $"{reads} reads of at most {buffer.Length} bytes");
        Assert.Equal(0, PosixPoll.Read(descriptor, buffer));   // the end stays the end
    }
}
