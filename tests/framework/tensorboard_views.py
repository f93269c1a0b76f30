"""Reads a run's TensorBoard events with TensorBoard's own EventAccumulator (not ours):
scalars of the search, the derived genotype as text, its cell pictures and the plot as
images. Usage: tensorboard_views.py RUN_DIR"""
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator, TENSORS, IMAGES, SCALARS

run_dir = sys.argv[1]
acc = EventAccumulator(run_dir + "/tensorboard", size_guidance={TENSORS: 0, IMAGES: 0, SCALARS: 0})
acc.Reload()
tags = acc.Tags()
print(tags)
assert "search/valid_accuracy" in tags["scalars"], "no search scalars"
assert "genotypes/searched" in tags["tensors"], "no genotype text"
text = acc.Tensors("genotypes/searched")[0].tensor_proto.string_val[0].decode()
assert text.startswith("Genotype(normal="), text
for tag in ("genotypes/searched-normal", "genotypes/searched-reduce", "plots/acc_vs_params"):
    assert tag in tags["images"], "no image " + tag
    image = acc.Images(tag)[0]
    assert image.width > 10 and image.height > 10 and image.encoded_image_string[:4] == b"\x89PNG", tag

# The run's options in the HPARAMS tab: a session start with the config, seed and device.
from tensorboard.plugins.hparams import plugin_data_pb2

content = acc.PluginTagToContent("hparams")
assert "_hparams_/session_start_info" in content, content.keys()
start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
assert start.hparams["seed"].number_value == 0 and start.hparams["device"].string_value == "cpu", start
print("hparams ok:", sorted(start.hparams.keys()))
print("tensorboard views ok")
