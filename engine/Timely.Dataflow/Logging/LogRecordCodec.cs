using System.Buffers.Binary;
using System.Text;
using Timely.Bytes;

namespace Timely.Dataflow.Logging;

/// <summary>
/// The bincode layout of a <see cref="LogRecord"/>, as Rust's <c>bincode::serialize</c> writes
/// <c>(Duration, TimelySetup, TimelyEvent)</c>: the time as u64 seconds and u32 nanoseconds, the
/// worker as u64, the event's u32 variant tag (<see cref="TimelyEventKind"/>), then its fields
/// (ids and counts as u64, <c>is_send</c> as a byte, addresses as u64 count then u64 items,
/// strings as u64 length then UTF-8, <c>StartStop</c> and <c>ParkEvent</c> as u32 tags, an
/// <c>Option&lt;Duration&gt;</c> as a tag byte then the duration). Tag 9 (progress) is ours.
/// </summary>
internal sealed class LogRecordCodec : IWireCodec<LogRecord>
{
    // Design: stateless apart from the once-per-process registration, which takes Gate; encoding and
    // decoding share nothing, so any thread may use the one instance.
    public static readonly LogRecordCodec Instance = new();

    private static readonly UTF8Encoding Utf8 = new(false, true);

    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Registers the codec once per process (before the first capture or replay of a log stream).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                _registered = true;
                WireCodec.Register(Instance);
            }
        }
    }

    public int Measure(in LogRecord value)
    {
        var e = value.Event;
        int size = 8 + 4 + 8 + 4;
        return size + e.Kind switch
        {
            TimelyEventKind.Operates => 8 + 8 + (8 * e.Address.Count) + 8 + Utf8.GetByteCount(e.Name ?? ""),
            TimelyEventKind.Channels => 8 + 8 + (8 * e.Address.Count) + 32 + 8 + Utf8.GetByteCount(e.Name ?? ""),
            TimelyEventKind.PushProgress or TimelyEventKind.Shutdown => 8,
            TimelyEventKind.Messages => 1 + 40,
            TimelyEventKind.Schedule => 8 + 4,
            TimelyEventKind.Park => e.Flag ? 4 + 1 + (e.ParkTimeout is null ? 0 : 12) : 4,
            TimelyEventKind.Text => 8 + Utf8.GetByteCount(e.Name ?? ""),
            _ => 1 + 32,
        };
    }

    public int Write(Span<byte> destination, in LogRecord value)
    {
        var w = new Writer(destination);
        w.Duration(value.Time);
        w.U64(value.Worker);
        var e = value.Event;
        w.U32((uint)e.Kind);
        switch (e.Kind)
        {
            case TimelyEventKind.Operates:
                w.U64(e.Id);
                w.Address(e.Address);
                w.String(e.Name);
                break;
            case TimelyEventKind.Channels:
                w.U64(e.Id);
                w.Address(e.Address);
                w.U64(e.Source);
                w.U64(e.SourcePort);
                w.U64(e.Target);
                w.U64(e.TargetPort);
                w.String(e.Name);
                break;
            case TimelyEventKind.PushProgress or TimelyEventKind.Shutdown:
                w.U64(e.Id);
                break;
            case TimelyEventKind.Messages:
                w.Byte(e.Flag);
                w.U64(e.Id);
                w.U64(e.Source);
                w.U64(e.Target);
                w.U64(e.SeqNo);
                w.U64(e.Count);
                break;
            case TimelyEventKind.Schedule:
                w.U64(e.Id);
                w.U32(e.Flag ? 0u : 1u);
                break;
            case TimelyEventKind.Park:
                w.U32(e.Flag ? 0u : 1u);
                if (e.Flag)
                {
                    w.Byte(e.ParkTimeout is not null);
                    if (e.ParkTimeout is { } t)
                    {
                        w.Duration(t);
                    }
                }

                break;
            case TimelyEventKind.Text:
                w.String(e.Name);
                break;
            default:
                w.Byte(e.Flag);
                w.U64(e.Source);
                w.U64(e.Id);
                w.U64(e.SeqNo);
                w.U64(e.Count);
                break;
        }

        return w.Offset;
    }

    public int Read(ReadOnlySpan<byte> source, ref LogRecord value)
    {
        var r = new Reader(source);
        var time = r.Duration();
        int worker = r.Int();
        var kind = (TimelyEventKind)r.U32();
        TimelyEvent e = kind switch
        {
            TimelyEventKind.Operates => TimelyEvent.Operates(r.Int(), r.Address(), r.String()),
            TimelyEventKind.Channels => TimelyEvent.Channels(r.Int(), r.Address(), r.Int(), r.Int(), r.Int(), r.Int(), r.String()),
            TimelyEventKind.PushProgress => TimelyEvent.PushProgress(r.Int()),
            TimelyEventKind.Shutdown => TimelyEvent.Shutdown(r.Int()),
            TimelyEventKind.Messages => ReadMessages(ref r),
            TimelyEventKind.Schedule => TimelyEvent.Schedule(r.Int(), r.U32() == 0),
            TimelyEventKind.Park => r.U32() == 0 ? TimelyEvent.Park(r.Bool() ? r.Duration() : null) : TimelyEvent.Unpark(),
            TimelyEventKind.Text => TimelyEvent.Text(r.String()),
            TimelyEventKind.Progress => ReadProgress(ref r),
            _ => throw new WireFormatException($"a log record has event tag {(uint)kind}, which is no TimelyEvent variant (0..8, 9 for progress)."),
        };
        value = new LogRecord(time, worker, e);
        return r.Offset;
    }

    private static TimelyEvent ReadMessages(ref Reader r)
    {
        bool send = r.Bool();
        int channel = r.Int(), from = r.Int(), to = r.Int();
        long seq = r.Long(), count = r.Long();
        return TimelyEvent.Messages(send, channel, from, to, seq, count);
    }

    private static TimelyEvent ReadProgress(ref Reader r)
    {
        bool send = r.Bool();
        int from = r.Int(), channel = r.Int();
        long seq = r.Long(), count = r.Long();
        return TimelyEvent.Progress(send, from, channel, seq, count);
    }

    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _d = destination;

        public int Offset { get; private set; }

        public void U64(long v)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_d[Offset..], v);
            Offset += 8;
        }

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_d[Offset..], v);
            Offset += 4;
        }

        public void Byte(bool v) => _d[Offset++] = v ? (byte)1 : (byte)0;

        public void Duration(TimeSpan t)
        {
            long ticks = Math.Max(0, t.Ticks);
            U64(ticks / TimeSpan.TicksPerSecond);
            U32((uint)(ticks % TimeSpan.TicksPerSecond * 100));
        }

        public void Address(IReadOnlyList<int> address)
        {
            U64(address.Count);
            foreach (int a in address)
            {
                U64(a);
            }
        }

        public void String(string? s)
        {
            int n = Utf8.GetBytes(s ?? "", _d[(Offset + 8)..]);
            U64(n);
            Offset += n;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> source)
    {
        private readonly ReadOnlySpan<byte> _s = source;

        public int Offset { get; private set; }

        public long Long()
        {
            Need(8);
            long v = BinaryPrimitives.ReadInt64LittleEndian(_s[Offset..]);
            Offset += 8;
            return v;
        }

        public int Int()
        {
            long v = Long();
            return v is >= 0 and <= int.MaxValue ? (int)v : throw new WireFormatException($"a log record holds {v} at byte {Offset - 8}, out of range for an index.");
        }

        public uint U32()
        {
            Need(4);
            uint v = BinaryPrimitives.ReadUInt32LittleEndian(_s[Offset..]);
            Offset += 4;
            return v;
        }

        public bool Bool()
        {
            Need(1);
            byte b = _s[Offset++];
            return b switch
            {
                0 => false,
                1 => true,
                _ => throw new WireFormatException($"a log record holds {b} at byte {Offset - 1} where a bool (0 or 1) belongs."),
            };
        }

        public TimeSpan Duration()
        {
            long secs = Long();
            uint nanos = U32();
            return TimeSpan.FromTicks((secs * TimeSpan.TicksPerSecond) + (nanos / 100));
        }

        public int[] Address()
        {
            int n = Int();
            if (n > (_s.Length - Offset) / 8)
            {
                throw new WireFormatException($"a log record's address claims {n} items at byte {Offset - 8}, more than the record holds.");
            }

            var address = new int[n];
            for (int i = 0; i < n; i++)
            {
                address[i] = Int();
            }

            return address;
        }

        public string String()
        {
            int n = Int();
            Need(n);
            string s = Utf8.GetString(_s.Slice(Offset, n));
            Offset += n;
            return s;
        }

        private readonly void Need(int n)
        {
            if (_s.Length - Offset < n)
            {
                throw new WireFormatException($"a log record ends at byte {_s.Length}, {n} bytes were needed at byte {Offset}.");
            }
        }
    }
}
