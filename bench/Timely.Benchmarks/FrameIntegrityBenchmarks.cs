using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Timely.Bytes;
using Timely.Transport.Tcp;

namespace Timely.Benchmarks;

/// <summary>
/// What checking one TCP frame costs the sender (the reader does the same work): the CRC-32C
/// prefix the transport writes (<see cref="FrameIntegrity"/>: a check of the payload, then of the
/// 56-byte header and sequence number), against an HMAC-SHA256 over the whole frame, the
/// alternative when a cluster secret is set. Frame sizes: a 96-byte progress frame, 1 KiB and
/// 64 KiB of data.
/// </summary>
[MemoryDiagnoser]
public class FrameIntegrityBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _mac = new byte[HMACSHA256.HashSizeInBytes];
    private readonly byte[] _prefix = new byte[FrameIntegrity.Prefix];
    private byte[] _frame = [];
    private uint _sequence;

    [Params(96, 1024, 65536)]
    public int FrameBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frame = new byte[FrameBytes];
        new Random(1).NextBytes(_frame);
        new MessageHeader(3, 1, 0, 1, FrameBytes - MessageHeader.Size, 7).WriteTo(_frame);
    }

    [Benchmark(Baseline = true)]
    public void Crc32c()
    {
        uint payload = FrameIntegrity.Crc(_frame.AsSpan(MessageHeader.Size));
        FrameIntegrity.WritePrefix(_frame, _sequence++, payload, _prefix);
    }

    [Benchmark]
    public int HmacSha256() => HMACSHA256.HashData(_key, _frame, _mac);
}
