using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' record chunks hand their chunks back to the spare pile as new ones: after any
/// sequence of appends and clears, every chunk on the pile holds only defaults (no reference a
/// cleared list held survives to keep an object alive or show up in a later list), and a list
/// filled from the pile reads back exactly what was appended. <see cref="RecordChunks{T}.Clear"/>
/// clears only each chunk's written part, which this holds to clearing the whole chunk.
/// </summary>
public sealed class RecordChunksProperties
{
    [Property(MaxTest = 60)]
    public Property Chunks_on_the_spare_pile_hold_only_defaults_and_reuse_reads_back_what_was_appended()
    {
        // Sizes around the chunk boundaries, where a clear of the written part alone could stop short.
        int chunk = RecordChunks<string>.ChunkSize;
        var rounds = Gen.Elements(0, 1, 7, 40, chunk - 1, chunk, chunk + 1, (2 * chunk) + 3).ArrayOf().Select(a => a.Take(5).ToArray());
        return Prop.ForAll(rounds.ToArbitrary(), sizes =>
        {
            var spare = new Stack<string[]>();
            var chunks = new RecordChunks<string>(spare);
            bool clean = true;
            bool readBack = true;
            for (int round = 0; round < sizes.Length; round++)
            {
                var records = Enumerable.Range(0, sizes[round]).Select(i => $"{round}:{i}").ToArray();
                foreach (var piece in records.Chunk(7))
                {
                    chunks.Append(piece);
                }

                var copy = new string[chunks.Count];
                chunks.CopyTo(copy);
                readBack &= copy.SequenceEqual(records);
                chunks.Clear();
                clean &= spare.All(pile => pile.All(r => r is null));
            }

            return (clean.Label("a spare chunk holds a reference").And(readBack.Label("a list read back other records")));
        });
    }
}
