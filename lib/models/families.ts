// Every family file registers its named variants on import; this list loads them all.
import "./lenet.js";
import "./simplenet.js";
import "./mnist_cnn.js";
import "./resnet.js";
import "./resnet_ibn.js";
import "./convnext.js";
import "./inception_next.js";
import "./unireplknet.js";
import "./vit.js";
import "./convit.js";
import "./mixer.js";
import "./gcn.js";
import "./graphsage.js";
import "./gat.js";
import "./gin.js";
import "./appnp.js";
import "./dagnn.js";
