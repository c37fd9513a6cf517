using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;

namespace Timely.PropTests.Communication;

/// <summary>
/// One channel's inbox of the bytes allocator under any interleaving of decodes and pulls (the
/// one-message hop that keeps the message in a field, bursts that queue behind it, pulls that
/// hand instances back): every message is pulled once, in the order decoded, the queued count
/// is what was decoded and not pulled, and the inbox never makes more instances than its deepest
/// burst and the one in the pull slot, because each decode takes a handed-back one first.
/// </summary>
public sealed class BinaryInboxProperties
{
    /// <summary>Steps of (messages decoded, pulls made); bursts stay below the free list's floor of 64 so nothing is dropped.</summary>
    private static Gen<(int Decodes, int Pulls)[]> Steps() =>
        Gen.Frequency(
                (4, Gen.Constant((1, 1))),
                (2, Gen.Choose(0, 2).SelectMany(d => Gen.Choose(0, 3).Select(p => (d, p)))),
                (1, Gen.Choose(0, 20).SelectMany(d => Gen.Choose(0, 25).Select(p => (d, p)))))
            .ArrayOf();

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property Pulls_follow_decodes_in_order_and_reuse_handed_back_instances() =>
        Prop.ForAll(Steps().ToArbitrary(), steps =>
        {
            var activity = new InboxActivity();
            var inbox = new BinaryInbox<long[]>(new CellCodec(), 3, 1, new WorkerCounters(0), activity);
            var seen = new HashSet<long[]>(ReferenceEqualityComparer.Instance);
            long decoded = 0;
            long pulled = 0;
            int peak = 0;
            foreach (var (decodes, pulls) in steps)
            {
                for (int i = 0; i < decodes; i++)
                {
                    byte[] payload = new byte[sizeof(long)];
                    BinaryPrimitives.WriteInt64LittleEndian(payload, decoded);
                    inbox.DeliverCompact(0, CompactRecord.SeqTag(decoded), payload, payload.Length);
                    decoded++;
                }

                peak = Math.Max(peak, (int)(decoded - pulled));
                for (int i = 0; i < pulls; i++)
                {
                    ref long[]? slot = ref inbox.Pull();
                    if (slot is null)
                    {
                        if (pulled != decoded)
                        {
                            return false.Label($"a pull found nothing with {decoded - pulled} messages decoded and not pulled");
                        }

                        break;
                    }

                    if (slot[0] != pulled)
                    {
                        return false.Label($"pulled message {slot[0]} where {pulled} was next");
                    }

                    seen.Add(slot);
                    pulled++;
                }

                if (activity.Queued != decoded - pulled)
                {
                    return false.Label($"queued {activity.Queued} with {decoded - pulled} decoded and not pulled");
                }
            }

            return (seen.Count <= peak + 1).Label($"{seen.Count} instances for a deepest burst of {peak}");
        });

    /// <summary>One long in 8 bytes, decoded into the array handed in when there is one.</summary>
    private sealed class CellCodec : Timely.Bytes.IWireCodec<long[]>
    {
        public int Measure(in long[] value) => sizeof(long);

        public int Write(Span<byte> destination, in long[] value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, value[0]);
            return sizeof(long);
        }

        public int Read(ReadOnlySpan<byte> source, ref long[] value)
        {
            value ??= new long[1];
            value[0] = BinaryPrimitives.ReadInt64LittleEndian(source);
            return sizeof(long);
        }
    }
}
