using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.PropTests.Ring;

/// <summary>
/// Every name a job's process makes, under its own name or a temporary one, traces back to that
/// process (a control file to its index, a ring to its receiver's process), which the
/// rendezvous' "never appeared" message relies on to say what a peer got as far as.
/// </summary>
public sealed class JobFileNamesProperties
{
    [Property(MaxTest = 300)]
    public Property Each_job_file_traces_back_to_the_process_that_makes_it() =>
        Prop.ForAll(
            (from workers in Gen.Choose(1, 64)
             from sender in Gen.Choose(0, 4095)
             from receiver in Gen.Choose(0, 4095)
             from pid in Gen.Choose(1, int.MaxValue)
             select (workers, sender, receiver, pid)).ToArbitrary(),
            c =>
            {
                var (workers, sender, receiver, pid) = c;
                string ring = JobFileNames.Ring(sender, receiver);
                string control = JobFileNames.Control(receiver);
                return JobFileNames.MakerOf(ring, workers) == receiver / workers
                    && JobFileNames.MakerOf(JobFileNames.Temporary(ring, pid), workers) == receiver / workers
                    && JobFileNames.MakerOf(control, workers) == receiver
                    && JobFileNames.MakerOf(JobFileNames.Temporary(control, pid) + ".rm1", workers) == receiver
                    && JobFileNames.MakerOf("timely-foreign", workers) is null;
            });
}
