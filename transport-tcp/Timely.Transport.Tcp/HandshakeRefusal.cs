using System.Buffers.Binary;

namespace Timely.Transport.Tcp;

/// <summary>
/// What an accepting process answers a well-formed hello that it refuses for a mismatch of
/// the job's settings, so the connecting process can say which setting differs instead of
/// waiting out its connect timeout: 16 bytes, big-endian.
/// </summary>
/// <remarks>
/// <code>
///  0  u64  magic  "TIMELYNO"
///  8  u32  code   which setting differs (<see cref="Code"/>)
/// 12  u32  zero
/// </code>
/// Only a client whose hello has this layout's magic and version and a valid check gets one,
/// and it carries a code, never a value or identifier of the job (no job id, count or index):
/// the client learns which of its own settings to look at, nothing about the job it could not
/// already send. Anything else (a bad magic, version or check, a truncated or slow hello) is
/// reset without a byte, as before.
/// </remarks>
internal static class HandshakeRefusal
{
    /// <summary>"TIMELYNO" in ASCII.</summary>
    public const ulong Magic = 0x54494D454C594E4FUL;

    /// <summary>Bytes on the wire.</summary>
    public const int Size = 16;

    /// <summary>Which setting differs.</summary>
    public enum Code
    {
        /// <summary>No refusal record: the connection is reset without a byte.</summary>
        None = 0,

        /// <summary>Another job id (the job name, or the hostfile it is derived from, differs).</summary>
        Job = 1,

        /// <summary>Another process count (<c>-n</c> or the hostfile's length).</summary>
        Processes = 2,

        /// <summary>Another worker count per process (<c>-w</c>).</summary>
        Threads = 3,

        /// <summary>One side has a cluster secret and the other has none.</summary>
        SecretSetting = 4,

        /// <summary>A process index this process does not accept (<c>-p</c>).</summary>
        Index = 5,

        /// <summary>Another connection already claims this process index.</summary>
        IndexTaken = 6,

        /// <summary>The proof of the cluster secret is wrong (another secret).</summary>
        Proof = 7,
    }

    /// <summary>The record for <paramref name="code"/>.</summary>
    public static byte[] Encode(Code code)
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (uint)code);
        return bytes;
    }

    /// <summary>Whether <paramref name="received"/> (at least 8 bytes) starts a refusal record.</summary>
    public static bool IsRefusal(ReadOnlySpan<byte> received) => BinaryPrimitives.ReadUInt64BigEndian(received) == Magic;

    /// <summary>The connecting side's error for the record in <paramref name="received"/> from <paramref name="peer"/>.</summary>
    public static TcpTransportException Describe(ReadOnlySpan<byte> received, string peer)
    {
        var code = (Code)BinaryPrimitives.ReadUInt32BigEndian(received[8..]);
        string why = code switch
        {
            Code.Job => "it runs another job (the --job names differ; without --job the job comes from the hostfile and -w, so one of those differs)",
            Code.Processes => "it counts another number of processes (-n, or the hostfile's length, differs)",
            Code.Threads => "it runs another number of workers per process (-w differs)",
            Code.SecretSetting => "one of the two has a cluster secret and the other has none (--secret-file / TIMELY_SECRET)",
            Code.Index => "it does not accept this process index (-p)",
            Code.IndexTaken => "another process is already connected as this process index (-p given twice?)",
            Code.Proof => "this process's proof of the cluster secret is wrong (the two secrets differ)",
            _ => $"refusal code {(uint)code}",
        };
        return new TcpTransportException($"{peer} refused this process: {why}.") { Peer = peer };
    }
}
