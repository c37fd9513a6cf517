using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// A man in the middle on 127.0.0.1 between a connecting process and the process it connects
/// to: relays the handshake verbatim both ways, then cuts the connector's stream into checked
/// frames and tampers with frame <c>k</c> once (drops it, sends it twice, puts a forged end of
/// stream before it, or flips one bit of it). Everything else passes unchanged.
/// </summary>
internal sealed class TamperingRelay : IDisposable
{
    private readonly Socket _listener;
    private readonly string _upstream;
    private readonly string _mode;
    private readonly int _frame;
    private readonly Random _random;
    private readonly Thread _thread;

    /// <summary>Listens on <paramref name="address"/> and relays to <paramref name="upstream"/>, tampering with frame <paramref name="frame"/> by <paramref name="mode"/>.</summary>
    public TamperingRelay(string address, string upstream, string mode, int frame, int seed)
    {
        _listener = TcpMesh.Listen(address);
        _upstream = upstream;
        _mode = mode;
        _frame = frame;
        _random = new Random(seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "tampering relay" };
        _thread.Start();
    }

    /// <summary>Whether the tampering happened (the stream reached the frame).</summary>
    public bool Tampered { get; private set; }

    public void Dispose()
    {
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        Socket client, server;
        try
        {
            client = _listener.Accept();
        }
        catch (SocketException)
        {
            return;   // disposed before anyone came
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        server = ConnectUpstream();
        client.NoDelay = server.NoDelay = true;
        var back = new Thread(() => Pump(server, client, tamper: false)) { IsBackground = true };
        back.Start();
        Pump(client, server, tamper: true);
        back.Join(TimeSpan.FromSeconds(30));
        client.Dispose();
        server.Dispose();
    }

    private Socket ConnectUpstream()
    {
        var until = DateTime.UtcNow + Loopback.Deadline;
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(TcpMesh.ParseAddress(_upstream));
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                socket.Dispose();
                Thread.Sleep(20);   // the upstream process is not listening yet
            }
        }
    }

    private void Pump(Socket from, Socket to, bool tamper)
    {
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        int handshake = Handshake.Size;
        int frames = 0;
        try
        {
            int n;
            while ((n = from.Receive(buffer)) > 0)
            {
                if (!tamper || Tampered)
                {
                    to.Send(buffer.AsSpan(0, n));
                    continue;
                }

                pending.AddRange(buffer.AsSpan(0, n));
                var output = new List<byte>();
                int take = Math.Min(handshake, pending.Count);
                output.AddRange(pending.GetRange(0, take));
                pending.RemoveRange(0, take);
                handshake -= take;
                while (handshake == 0 && !Tampered && pending.Count >= FrameIntegrity.Prefix)
                {
                    var prefix = pending.GetRange(0, FrameIntegrity.Prefix).ToArray();
                    int length = (int)BinaryPrimitives.ReadUInt64BigEndian(prefix.AsSpan(32));
                    int whole = FrameIntegrity.Prefix + length;
                    if (pending.Count < whole)
                    {
                        break;
                    }

                    var frame = pending.GetRange(0, whole).ToArray();
                    pending.RemoveRange(0, whole);
                    if (++frames == _frame)
                    {
                        output.AddRange(Tamper(frame));
                        output.AddRange(pending);   // the rest unchanged
                        pending.Clear();
                        Tampered = true;
                    }
                    else
                    {
                        output.AddRange(frame);
                    }
                }

                to.Send(output.ToArray());
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // One side reset: reset the other too, as a relay that gives up would.
            to.LingerState = new LingerOption(true, 0);
            to.Close();
        }
        catch (ObjectDisposedException)
        {
            // torn down
        }
    }

    private byte[] Tamper(byte[] frame)
    {
        switch (_mode)
        {
            case "drop":
                return [];
            case "duplicate":
                return [.. frame, .. frame];
            case "forged end of stream":
                return [.. new byte[Bytes.MessageHeader.Size], .. frame];
            case "flip":
                int bit = _random.Next(frame.Length * 8);
                frame[bit / 8] ^= (byte)(1 << (bit % 8));
                return frame;
            default:
                throw new InvalidOperationException($"unknown tampering: {_mode}");
        }
    }
}
