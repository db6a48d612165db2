"""Scripts that build real models with TensorFlow, run in a child process by the tests that need them
(so the test process never imports TensorFlow)."""

#: A stateful streaming model: CALL_ONCE, WHILE, resource variables (VAR_HANDLE, READ/ASSIGN_VARIABLE).
STREAMING_MODEL = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
class Streaming(tf.Module):
    """Keeps the last 4 frames in a resource variable and sums them in a while loop."""
    def __init__(self):
        self.state = tf.Variable(tf.zeros([1, 4, 8]), trainable=False)
        self.w = tf.constant(tf.random.stateless_normal([8, 2], seed=[1, 2]))
    @tf.function(input_signature=[tf.TensorSpec([1, 1, 8], tf.float32)])
    def __call__(self, frame):
        state = tf.concat([self.state[:, 1:, :], frame], axis=1)
        self.state.assign(state)
        _, acc = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a + state[:, i, :]),
                               [tf.constant(0), tf.zeros([1, 8])])
        return tf.nn.softmax(tf.matmul(acc, self.w))
m = Streaming()
conv = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
conv.experimental_enable_resource_variables = True
open(sys.argv[1], "wb").write(conv.convert())
'''
